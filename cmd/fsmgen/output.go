package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
)

// write writes data to the file path, replaced atomically, or to standard
// output when path is "".
func (inv *invocation) write(path string, data []byte) error {
	if path == "" {
		_, err := inv.stdout.Write(data)
		return err
	}
	return writeFiles(map[string][]byte{path: data})
}

// writeFiles writes every file or none: each goes to a temporary file
// beside its destination, and the temporaries are renamed into place only
// once all were written, so a failed run never leaves half-written output.
func writeFiles(files map[string][]byte) error {
	temps := map[string]string{}
	defer func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}()
	paths := slices.Sorted(maps.Keys(files))
	for _, p := range paths {
		tmp, err := writeTemp(p, files[p])
		if err != nil {
			return err
		}
		temps[p] = tmp
	}
	for _, p := range paths {
		if err := os.Rename(temps[p], p); err != nil {
			if le, ok := err.(*os.LinkError); ok {
				err = le.Err // the temporary file's name would only confuse
			}
			return fmt.Errorf("fsmgen: writing %s: %v", p, err)
		}
		delete(temps, p)
	}
	return nil
}

// writeTemp writes data to a new temporary file beside path and returns
// the temporary file's name. A path that no file can be renamed to is
// refused here, before any file of the output is in place.
func writeTemp(path string, data []byte) (string, error) {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("fsmgen: cannot write %s: no directory %s", path, dir)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return "", fmt.Errorf("fsmgen: cannot write %s: it is a directory", path)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		if pe, ok := err.(*os.PathError); ok {
			err = pe.Err // the temporary file's name would only confuse
		}
		return "", fmt.Errorf("fsmgen: cannot write %s: %v", path, err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(f.Name(), 0o644)
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("fsmgen: writing %s: %v", path, err)
	}
	return f.Name(), nil
}
