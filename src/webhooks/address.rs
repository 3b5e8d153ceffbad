//! Where deliveries may go. A subscription URL is http(s), and unless the
//! setting allows private targets, every address its host names must be a
//! public one: checked when the URL is saved, and again, by the resolver
//! the HTTP client uses, each time a delivery connects (a name can point
//! elsewhere later). Redirects are never followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use url::{Host, Url};

/// How long saving a subscription waits for its host to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

/// Whether an address belongs to this machine, a private or link-local
/// network, or a range that is no one's to call (unspecified, multicast,
/// reserved, documentation, benchmarking). IPv6 forms that carry an IPv4
/// address (mapped, compatible, NAT64, 6to4) are judged by that address.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => private_v6(v6),
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
        // Benchmarking, 198.18.0.0/15.
        || (a == 198 && (b == 18 || b == 19))
        // The old 6to4 relay anycast, 192.88.99.0/24.
        || (a == 192 && b == 88 && c == 99)
        // Azure's platform endpoint (wire server, DNS), public but
        // inside every Azure host.
        || ip == Ipv4Addr::new(168, 63, 129, 16)
        // Reserved, 240.0.0.0/4.
        || a >= 240
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local, fc00::/7.
        || (s[0] & 0xfe00) == 0xfc00
        // Link-local, fe80::/10, and the old site-local, fec0::/10.
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xffc0) == 0xfec0
        // Documentation, 2001:db8::/32; Teredo, 2001::/32.
        || (s[0] == 0x2001 && (s[1] == 0x0db8 || s[1] == 0))
        // IPv4-compatible, ::/96 (deprecated).
        || (s[..6].iter().all(|&x| x == 0) && private_v4(embedded(s[6], s[7])))
        // NAT64, 64:ff9b::/96, and local-use NAT64, 64:ff9b:1::/48.
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0)
            && private_v4(embedded(s[6], s[7])))
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)
        // IPv4-translated (SIIT), ::ffff:0:0:0/96.
        || (s[..4].iter().all(|&x| x == 0) && s[4] == 0xffff && s[5] == 0
            && private_v4(embedded(s[6], s[7])))
        // 6to4, 2002::/16, carries an IPv4 address in its next 32 bits.
        || (s[0] == 0x2002 && private_v4(embedded(s[1], s[2])))
}

/// Why a URL may not receive deliveries, for a 422 on its `url` field.
pub async fn refuse(url: &str, allow_private: bool) -> Option<String> {
    let Ok(parsed) = Url::parse(url) else {
        return Some("must be an http or https URL".into());
    };
    if !matches!(parsed.scheme(), "http" | "https") {
        return Some("must be an http or https URL".into());
    }
    if allow_private {
        return None;
    }
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<IpAddr> = match parsed.host() {
        None => return Some("must name a host".into()),
        Some(Host::Ipv4(ip)) => vec![IpAddr::V4(ip)],
        Some(Host::Ipv6(ip)) => vec![IpAddr::V6(ip)],
        Some(Host::Domain(name)) => {
            let looked_up =
                tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port))).await;
            match looked_up {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => return Some(format!("names a host that does not resolve ({name})")),
            }
        }
    };
    if addresses.is_empty() {
        return Some("names a host that does not resolve".into());
    }
    addresses.iter().any(|ip| is_private(*ip)).then(|| {
        "must reach a public address: loopback, link-local and private networks are refused (BYLINE_WEBHOOK_ALLOW_PRIVATE allows them)".into()
    })
}

/// The literal address in a URL's host, if it is one: the HTTP client does
/// not resolve those, so the sender checks them itself.
pub fn literal(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        Host::Domain(_) => None,
    }
}

/// The HTTP client's resolver: the system's answer, without the private
/// addresses (unless they are allowed). A name left with none fails.
pub struct PublicResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow_private || !is_private(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} resolves to no public address").into());
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

impl PublicResolver {
    pub fn shared(allow_private: bool) -> Arc<Self> {
        Arc::new(PublicResolver { allow_private })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private(s: &str) -> bool {
        is_private(s.parse().unwrap())
    }

    #[test]
    fn private_and_special_addresses_are_refused() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "198.18.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b:1::1",
            "::ffff:0:7f00:1",
            "192.88.99.1",
            "168.63.129.16",
            "2002:7f00:1::",
            "ff02::1",
        ] {
            assert!(private(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(!private(ip), "{ip} is public");
        }
    }

    #[actix_web::test]
    async fn urls_are_judged_by_scheme_and_address() {
        assert!(refuse("ftp://93.184.216.34/", false).await.is_some());
        assert!(refuse("http://127.0.0.1:9/hook", false).await.is_some());
        assert!(refuse("http://[::1]/hook", false).await.is_some());
        assert!(refuse("http://localhost/hook", false).await.is_some());
        assert!(refuse("https://93.184.216.34/hook", false).await.is_none());
        assert!(refuse("http://127.0.0.1:9/hook", true).await.is_none());
    }
}
