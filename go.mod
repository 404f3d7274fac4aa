module github.com/fsmgen/fsmgen

go 1.26

require (
	github.com/dave/jennifer v1.7.1
	github.com/leanovate/gopter v0.2.11
	gopkg.in/yaml.v3 v3.0.1
)
