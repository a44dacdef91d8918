package cluster_test

import (
	"fmt"

	"github.com/nexuskit/nexus/examples/nexus/cluster"
)

// NewClient refuses anything but a Redis URL, without quoting it (it may
// hold a password).
func ExampleNewClient() {
	_, err := cluster.NewClient("http://user:hunter2@cache.internal:6379")
	fmt.Println(err)
	// Output: cluster: REDIS_URL is not a valid Redis URL (expected redis://[:password@]host:port[/db] or rediss://...)
}
