//go:build !linux

package modelcheck

func adviseHuge[T any](s []T) {}
