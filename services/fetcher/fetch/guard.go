package fetch

import (
	"fmt"
	"net/netip"
)

// blockedPrefixes are the ranges the SSRF guard refuses besides what netip classifies as
// loopback, private, link-local, multicast or unspecified: networks that are not the
// public internet, or that embed an IPv4 address a translator could route inward.
var blockedPrefixes = mustPrefixes(
	"0.0.0.0/8",       // "this network"
	"100.64.0.0/10",   // carrier-grade NAT (RFC 6598)
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // TEST-NET-1
	"192.88.99.0/24",  // 6to4 relay anycast
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // TEST-NET-2
	"203.0.113.0/24",  // TEST-NET-3
	"240.0.0.0/4",     // reserved, includes 255.255.255.255
	"64:ff9b::/96",    // NAT64 well-known prefix
	"64:ff9b:1::/48",  // local-use NAT64
	"100::/64",        // discard-only
	"2001::/32",       // Teredo
	"2001:db8::/32",   // documentation
	"2002::/16",       // 6to4
	"fec0::/10",       // deprecated site-local
	"::ffff:0:0/96",   // IPv4-mapped, checked again after unmapping
	"::/96",           // IPv4-compatible (deprecated)
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Guard decides which IP addresses the client may connect to. The zero Guard refuses
// every non-public address; Allow opens specific ranges.
type Guard struct {
	allow []netip.Prefix
}

// NewGuard returns a guard that refuses non-public addresses except those inside one of
// the allowed prefixes.
func NewGuard(allow ...netip.Prefix) *Guard {
	g := &Guard{}
	for _, p := range allow {
		g.allow = append(g.allow, p.Masked())
	}
	return g
}

// ParseCIDRs parses CIDR strings ("127.0.0.0/8", "::1/128") or bare addresses (taken as
// a single-host prefix). It returns ErrBadOption for a malformed entry.
func ParseCIDRs(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%w: allow-net %q is neither a CIDR nor an address", ErrBadOption, s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// Check returns nil when addr may be dialled, or an error wrapping ErrForbiddenAddress.
// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
func (g *Guard) Check(addr netip.Addr) error {
	addr = addr.WithZone("")
	plain := addr.Unmap()
	for _, p := range g.allow {
		if p.Contains(addr) || p.Contains(plain) {
			return nil
		}
	}
	if reason := blockedReason(plain); reason != "" {
		return fmt.Errorf("%w: %s is %s", ErrForbiddenAddress, addr, reason)
	}
	return nil
}

func blockedReason(a netip.Addr) string {
	switch {
	case !a.IsValid():
		return "not a valid address"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return "in reserved range " + p.String()
		}
	}
	return ""
}
