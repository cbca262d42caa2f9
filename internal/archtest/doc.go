// Package archtest keeps Parley's dependency direction true: its test parses
// the imports of every Go file in the module and fails on an import that the
// layering in shared/design.md forbids (for example room importing
// signaling, or sfu importing anything but pion and the standard library).
//
// The rules live in rules.go; Check applies them to any set of files, so the
// checker itself is tested on synthetic file sets.
package archtest
