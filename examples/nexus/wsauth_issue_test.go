package main

import (
	"time"

	"github.com/nexuskit/nexus/wsauth"
)

// wsauthIssue issues a token with a different key than the test servers'.
func wsauthIssue(secret string, ttl time.Duration) (string, error) {
	return wsauth.NewSigner([]byte(secret)).Issue("intruder", ttl)
}
