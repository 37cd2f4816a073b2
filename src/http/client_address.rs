//! The client's address, which lockouts and rate limits count by. A client
//! that connects directly is who the socket says. Behind a reverse proxy
//! every request comes from the proxy, so the proxy's forwarding header is
//! read instead — but only when the connecting peer is a proxy the
//! operator named as trusted: anyone else can write any header they like.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};

use super::Problem;

/// An address, or a network in CIDR notation (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(network) & mask == u32::from(address) & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(network) & mask == u128::from(address) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network = IpAddr::from_str(address)
            .map_err(|_| format!("{text:?} is not an IP address or a CIDR network"))?
            .to_canonical();
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => bits,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= bits)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {bits}"))?,
        };
        Ok(Self { network, prefix })
    }
}

/// Which peers' forwarding header is believed, and which header that is.
#[derive(Debug, Clone)]
pub struct TrustedProxies {
    networks: Vec<Cidr>,
    header: HeaderName,
}

impl TrustedProxies {
    pub fn new(networks: Vec<Cidr>, header: HeaderName) -> Self {
        Self { networks, header }
    }

    fn trusts(&self, address: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(address))
    }

    /// The client of a request that arrived from `peer`: the peer itself
    /// unless it is a trusted proxy; then, walking the header's list from
    /// the right (each proxy appends the address it saw), the first
    /// address that is not itself a trusted proxy. What lies left of that
    /// was written by the client and is never believed.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let values: Vec<_> = headers.get_all(&self.header).iter().collect();
        for value in values.into_iter().rev() {
            // A value no trusted proxy could have written ends the walk at
            // the last hop that was vouched for.
            let Ok(value) = value.to_str() else {
                return client;
            };
            for entry in value.rsplit(',') {
                let Some(address) = hop_address(entry) else {
                    return client;
                };
                client = address;
                if !self.trusts(address) {
                    return client;
                }
            }
        }
        client
    }
}

/// One entry of an `X-Forwarded-For`-style list: an address, perhaps with
/// a port (`203.0.113.7:4711`, `[2001:db8::1]:4711`).
fn hop_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    IpAddr::from_str(entry)
        .or_else(|_| SocketAddr::from_str(entry).map(|s| s.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

/// The client's address, as [`TrustedProxies::client`] decides it; every
/// handler that counts or limits by address takes this, never the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Problem> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(peer)| peer.ip())
            .ok_or_else(|| Problem::internal(&"the server was started without peer addresses"))?;
        Ok(ClientAddress(
            match parts.extensions.get::<Arc<TrustedProxies>>() {
                Some(proxies) => proxies.client(peer, &parts.headers),
                None => peer.to_canonical(),
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(networks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            networks.iter().map(|n| n.parse().unwrap()).collect(),
            HeaderName::from_static("x-forwarded-for"),
        )
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn networks_contain_what_their_prefix_covers() {
        let net: Cidr = "10.1.0.0/16".parse().unwrap();
        assert!(net.contains(ip("10.1.255.3")));
        assert!(!net.contains(ip("10.2.0.1")));
        assert!(net.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped");
        let v6: Cidr = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        let all: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("198.51.100.1")));
        let one: Cidr = "127.0.0.1".parse().unwrap();
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        for bad in ["10.0.0.0/33", "::/129", "proxy", "10.0.0.0/x", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = proxies(&[]);
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            none.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
        let other = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            other.client(ip("198.51.100.1"), &headers),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let proxies = proxies(&["10.0.0.0/8"]);
        // The client forged the first entry; the edge proxy appended the
        // address it saw, then an inner proxy its own.
        let headers = forwarded(&["1.2.3.4, 203.0.113.9", "10.0.0.5"]);
        assert_eq!(proxies.client(ip("10.0.0.6"), &headers), ip("203.0.113.9"));
        let with_port = forwarded(&["[2001:db8::7]:4711"]);
        assert_eq!(
            proxies.client(ip("10.0.0.6"), &with_port),
            ip("2001:db8::7")
        );
        // Without the header, the proxy itself is all there is to go by.
        assert_eq!(
            proxies.client(ip("10.0.0.6"), &HeaderMap::new()),
            ip("10.0.0.6")
        );
        // Garbage stops the walk at the last hop vouched for.
        let garbage = forwarded(&["203.0.113.9, unknown, 10.0.0.5"]);
        assert_eq!(proxies.client(ip("10.0.0.6"), &garbage), ip("10.0.0.5"));
    }
}
