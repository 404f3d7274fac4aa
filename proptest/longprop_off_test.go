//go:build !longprop

package proptest

const longTag = false
