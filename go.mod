module github.com/fsmgen/fsmgen

go 1.26.0

require (
	github.com/dave/jennifer v1.7.1
	github.com/leanovate/gopter v0.2.11
	gopkg.in/yaml.v3 v3.0.1
)

require golang.org/x/sys v0.50.0
