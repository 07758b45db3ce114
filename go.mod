module github.com/starsock/starsock

go 1.25.0

require go.starlark.net v0.0.0-20260908191801-89a6a09411d5

require (
	github.com/google/go-cmp v0.7.0
	golang.org/x/sys v0.47.0
)
