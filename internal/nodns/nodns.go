// Package nodns keeps a test process off DNS. Tests here resolve names
// only from /etc/hosts (the project's rule: loopback only), and fuzzed or
// hostile host strings that look like names would otherwise be sent to
// the configured name servers.
package nodns

import (
	"context"
	"errors"
	"net"
)

// Install replaces net.DefaultResolver with one that cannot dial: numeric
// forms and /etc/hosts still resolve, and any DNS query fails with an
// error that says who refused it.
func Install(who string) {
	refusal := errors.New(who + " make no DNS queries")
	net.DefaultResolver = &net.Resolver{
		PreferGo: true,
		Dial: func(context.Context, string, string) (net.Conn, error) {
			return nil, refusal
		},
	}
}
