// Package wsauthtest holds the end-to-end tests of wsauth with real
// WebSocket clients and servers (github.com/coder/websocket), kept in the
// examples module so the library does not depend on a WebSocket library.
package wsauthtest
