// Package twophase is two-phase commit as a system of three peers: a
// coordinator and two participants, each running its machine of one spec
// (twophase.yaml), the coordinator sending to both participants and each
// participant to the coordinator. Its test model-checks the spec with the
// expected verdicts, and a coordinator that decides on the last vote alone
// must fail agreement and validity.
package twophase
