package connector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Where webhook deliveries may go. A client key chooses the callback URL, so without a
// guard any flow could make the gateway POST (with a signed body) to the cloud metadata
// service of the machine it runs on, or to anything else only the gateway can reach. The
// guard refuses, at subscription, before every attempt and again on the address actually
// dialled:
//
//   - link-local addresses, 169.254.0.0/16 and fe80::/10 (AWS, Google Cloud, Azure, Oracle,
//     DigitalOcean, Hetzner, OpenStack metadata at 169.254.169.254; AWS ECS and EKS
//     credentials at 169.254.170.2 and .23; Tencent Cloud at 169.254.0.23);
//   - metadata services outside link-local: fd00:ec2::/32 (AWS over IPv6: metadata at
//     fd00:ec2::254, DNS, NTP, EKS Pod Identity), fd20:ce::254 (Google Cloud over IPv6),
//     100.100.100.200 (Alibaba Cloud), 168.63.129.16 (Azure's WireServer), 192.0.0.192
//     (Oracle Cloud);
//   - the names metadata.google.internal, metadata.goog, metadata and instance-data (with
//     or without a trailing dot, in any case);
//   - unspecified and multicast addresses, and IPv6 forms that embed a refused IPv4
//     address (::ffff:0:0/96, 64:ff9b::/96 NAT64, 2002::/16 6to4).
//
// Loopback and private networks stay allowed (an internal n8n), unless --callback-allow is
// set: then only hosts matching its patterns are, and never private ranges (loopback, RFC
// 1918, fc00::/7, 100.64.0.0/10 and other reserved ranges), checked on the dialled address. Deliveries use
// no proxy from the environment; a proxy configured for them (DeliveryOptions.Proxy) sees
// only requests whose host passed the guard, names resolved first where the gateway can.

var metadataPrefixes = []netip.Prefix{
	netip.MustParsePrefix("fd00:ec2::/32"),
	netip.MustParsePrefix("fd20:ce::254/128"),
	netip.MustParsePrefix("100.100.100.200/32"),
	netip.MustParsePrefix("168.63.129.16/32"),
	netip.MustParsePrefix("192.0.0.192/32"),
}

var metadataNames = map[string]bool{
	"metadata.google.internal": true, "metadata.goog": true, "metadata": true,
	"instance-data": true, "instance-data.ec2.internal": true,
}

// embedded6 are IPv6 prefixes whose last 32 bits are an IPv4 address that a translator
// (NAT64, 6to4) would reach.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")
var sixToFour = netip.MustParsePrefix("2002::/16")

// blockedCallbackIP reports whether deliveries may not go to ip.
func blockedCallbackIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return blockedCallbackIP(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return blockedCallbackIP(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast() {
		return true
	}
	for _, p := range metadataPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// callbackHost is a URL's host as the guard compares it: lower case, without brackets or
// the trailing dots that make a name absolute.
func callbackHost(u *url.URL) string {
	return strings.TrimRight(strings.ToLower(u.Hostname()), ".")
}

// privatePrefixes are refused as well when an allow-list is set: the allowed hosts are
// public services, so a name of theirs resolving into the gateway's own networks is an
// attack, not a subscriber.
var privatePrefixes = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved
	netip.MustParsePrefix("255.255.255.255/32"),
}

// privateIP reports whether ip is loopback or private (RFC 1918, fc00::/7 and the like).
func privateIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() || ip.IsPrivate() {
		return true
	}
	for _, p := range privatePrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// validHostPattern accepts "host.example.com" and "*.example.com".
func validHostPattern(p string) bool {
	p = strings.TrimPrefix(p, "*.")
	if p == "" || strings.ContainsAny(p, "*/:@ ") || strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") {
		return false
	}
	return strings.Contains(p, ".") || net.ParseIP(p) == nil
}

// allowedHost reports whether host matches one of the patterns; "*.example.com" matches
// any subdomain of example.com, not example.com itself.
func allowedHost(host string, patterns []string) bool {
	for _, p := range patterns {
		p = strings.ToLower(p)
		if suffix, ok := strings.CutPrefix(p, "*."); ok {
			if strings.HasSuffix(host, "."+suffix) {
				return true
			}
		} else if host == p {
			return true
		}
	}
	return false
}

// errCallbackRefused is why a callback was refused; safe to show the subscriber.
type errCallbackRefused struct{ reason string }

func (e *errCallbackRefused) Error() string { return e.reason }

// checkCallbackURL applies the guard to a URL before any connection: scheme, metadata names,
// literal addresses and the allow-list.
func (g *Gateway) checkCallbackURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &errCallbackRefused{"callbackUrl must be an absolute http or https URL"}
	}
	host := callbackHost(u)
	if host == "" {
		return nil, &errCallbackRefused{"callbackUrl has no host"}
	}
	if metadataNames[host] {
		return nil, &errCallbackRefused{"callbackUrl may not point at a cloud metadata service"}
	}
	ip, err := netip.ParseAddr(host)
	if err == nil && blockedCallbackIP(ip) {
		return nil, &errCallbackRefused{"callbackUrl may not point at a link-local, metadata, unspecified or multicast address"}
	}
	if allow := g.cfg.CallbackAllow; len(allow) > 0 {
		if err == nil && privateIP(ip) {
			return nil, &errCallbackRefused{"callbackUrl may not point at a private or loopback address on this gateway"}
		}
		if !allowedHost(host, allow) {
			return nil, &errCallbackRefused{"callbackUrl's host " + host + " is not one this gateway delivers to (allowed: " + strings.Join(allow, ", ") + ")"}
		}
	}
	return u, nil
}

// refuseBlockedDial is the delivery dialer's Control: it checks the address actually
// dialled, so a callback name that resolves to a refused address is caught too.
func refuseBlockedDial(network, address string, _ syscall.RawConn) error {
	_, err := dialedIP(address)
	return err
}

func dialedIP(address string) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return netip.Addr{}, err
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return ip, fmt.Errorf("callback address %q is not an IP address", host)
	}
	if blockedCallbackIP(ip) {
		return ip, fmt.Errorf("callback address %s is not allowed: link-local, metadata, unspecified and multicast addresses are refused", ip)
	}
	return ip, nil
}

// refusePrivateDial is the Control with an allow-list: private and loopback addresses are
// refused too.
func refusePrivateDial(network, address string, _ syscall.RawConn) error {
	ip, err := dialedIP(address)
	if err == nil && privateIP(ip) {
		return fmt.Errorf("callback address %s is not allowed: private and loopback addresses are refused while an allow-list is set", ip)
	}
	return err
}

// deliveryClient is the HTTP client deliveries use: no proxy unless one is configured for
// them, the dial guard, no redirects (a callback must not lead the gateway, with a signed
// notification, to an address the subscriber did not register).
func (g *Gateway) deliveryClient() (*http.Client, error) {
	if g.cfg.CallbackClient != nil {
		return g.cfg.CallbackClient, nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	if g.cfg.Delivery.Proxy != "" {
		pu, err := url.Parse(g.cfg.Delivery.Proxy)
		if err != nil || pu.Host == "" {
			return nil, fmt.Errorf("delivery proxy %q is not a URL", g.cfg.Delivery.Proxy)
		}
		t.Proxy = http.ProxyURL(pu)
	}
	control := refuseBlockedDial
	if len(g.cfg.CallbackAllow) > 0 {
		control = refusePrivateDial
	}
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: control}).DialContext
	return &http.Client{Transport: t, Timeout: g.cfg.Delivery.Timeout, CheckRedirect: noRedirects}, nil
}

// checkDelivery applies the guard before an attempt. Behind a proxy the dial guard sees
// only the proxy, so the callback's name is resolved here where the gateway can resolve it
// and every address checked; a name only the proxy can resolve is left to the proxy.
func (g *Gateway) checkDelivery(ctx context.Context, raw string) error {
	u, err := g.checkCallbackURL(raw)
	if err != nil || g.cfg.Delivery.Proxy == "" {
		return err
	}
	host := callbackHost(u)
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			return nil
		}
		return err
	}
	for _, a := range addrs {
		if blockedCallbackIP(a) || len(g.cfg.CallbackAllow) > 0 && privateIP(a) {
			return &errCallbackRefused{fmt.Sprintf("callback host resolves to %s, which is refused", a)}
		}
	}
	return nil
}
