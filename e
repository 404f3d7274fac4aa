fsmgen check: flag provided but not defined: -bogus
run 'fsmgen help check' for its flags
