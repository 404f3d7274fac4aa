//go:build longprop

package proptest

const longTag = true
