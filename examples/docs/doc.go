// Package docs holds the tests that keep the repository's Markdown honest:
// every Go block of every Markdown file compiles against the packages as they
// are, and every relative link (and #heading anchor) resolves.
package docs
