//! Lab traffic: the normal client's mix, the rate-bounded HTTP flood and the
//! victim's DNS-style UDP responder. Every generator stops by itself at its
//! deadline; all of them only talk to the address they are given (the lab
//! script passes the victim's namespace address).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::rng::Rng;

/// A DNS-format query (RFC 1035 header + one A question) for `name`.
pub fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD, QDCOUNT 1
    for label in name.split('.').filter(|l| !l.is_empty()) {
        q.push(label.len().min(63) as u8);
        q.extend_from_slice(&label.as_bytes()[..label.len().min(63)]);
    }
    q.extend_from_slice(&[0, 0, 1, 0, 1]); // root, QTYPE A, QCLASS IN
    q
}

/// The responder's answer to a query: the query with QR set, RCODE NXDOMAIN
/// (the lab resolves nothing); `None` for datagrams too short to be DNS.
pub fn dns_reply(query: &[u8]) -> Option<Vec<u8>> {
    if query.len() < 12 {
        return None;
    }
    let mut r = query.to_vec();
    r[2] |= 0x80; // QR: response
    r[3] = (r[3] & 0xF0) | 0x03; // NXDOMAIN
    Some(r)
}

/// An HTTP/1.1 GET for `path`.
pub fn http_get(host: &str, path: &str, keep_alive: bool) -> String {
    let conn = if keep_alive { "keep-alive" } else { "close" };
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: mibwatch-lab\r\nAccept: */*\r\nConnection: {conn}\r\n\r\n"
    )
}

/// One GET on a fresh connection, read to the end; bytes read.
fn fetch_once(addr: SocketAddr, path: &str) -> std::io::Result<usize> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(3)))?;
    s.write_all(http_get(&addr.ip().to_string(), path, false).as_bytes())?;
    let mut buf = [0u8; 16384];
    let mut n = 0;
    loop {
        match s.read(&mut buf)? {
            0 => return Ok(n),
            k => n += k,
        }
    }
}

/// A keep-alive connection that sends a GET now and then (long-lived session).
struct LongLived {
    stream: Option<TcpStream>,
}

impl LongLived {
    fn poke(&mut self, addr: SocketAddr, path: &str) {
        if self.stream.is_none() {
            self.stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok();
            if let Some(s) = &self.stream {
                let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
            }
        }
        let ok = match &mut self.stream {
            None => false,
            Some(s) => {
                let mut buf = [0u8; 16384];
                s.write_all(http_get(&addr.ip().to_string(), path, true).as_bytes())
                    .is_ok()
                    && matches!(s.read(&mut buf), Ok(k) if k > 0)
            }
        };
        if !ok {
            self.stream = None;
        }
    }
}

/// Normal traffic from the client host for `duration`: web page fetches on
/// fresh connections, DNS-style UDP queries, an occasional ping, and
/// `long_lived` keep-alive TCP sessions that send a request every ~15 s.
/// The request rate drifts slowly around `mean_rate` per second.
pub fn normal(
    http: SocketAddr,
    dns: SocketAddr,
    seed: u64,
    duration: Duration,
    mean_rate: f64,
    long_lived: usize,
) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let start = Instant::now();
    let udp = UdpSocket::bind("0.0.0.0:0")?;
    udp.set_read_timeout(Some(Duration::from_millis(300)))?;
    let mut sessions: Vec<LongLived> = (0..long_lived)
        .map(|_| LongLived { stream: None })
        .collect();
    let mut next_poke: Vec<Instant> = (0..long_lived)
        .map(|i| start + Duration::from_secs_f64(1.0 + i as f64 * 3.7))
        .collect();
    let pages = [
        "/",
        "/index.html",
        "/news.html",
        "/about.html",
        "/big.bin",
        "/missing.html",
    ];
    let mut counts = [0usize; 4];
    while start.elapsed() < duration {
        let t = start.elapsed().as_secs_f64();
        // Slow drift (period ~7 min) plus noise: busy and quiet stretches.
        let rate = mean_rate * (1.0 + 0.5 * (t / 420.0 * std::f64::consts::TAU).sin());
        std::thread::sleep(Duration::from_secs_f64(
            rng.exp(1.0 / rate.max(0.05)).min(5.0),
        ));
        let now = Instant::now();
        for (s, due) in sessions.iter_mut().zip(next_poke.iter_mut()) {
            if now >= *due {
                s.poke(http, pages[rng.below(3)]);
                *due = now + Duration::from_secs_f64(5.0 + rng.exp(10.0));
            }
        }
        let u = rng.unit();
        if u < 0.6 {
            let p = pages[rng.below(pages.len())];
            let _ = fetch_once(http, p);
            counts[0] += 1;
        } else if u < 0.97 {
            let name = format!("host{}.svc.lab", rng.below(50));
            let q = dns_query(rng.next_u64() as u16, &name);
            if udp.send_to(&q, dns).is_ok() {
                let mut buf = [0u8; 512];
                let _ = udp.recv_from(&mut buf);
            }
            counts[1] += 1;
        } else {
            let _ = Command::new("ping")
                .args(["-q", "-c", "3", "-i", "0.3", "-W", "1"])
                .arg(http.ip().to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            counts[2] += 1;
        }
    }
    eprintln!(
        "normal: {} HTTP fetches, {} UDP queries, {} pings in {:.0} s",
        counts[0],
        counts[1],
        counts[2],
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// HTTP GET flood: `workers` threads together open at most `rate` fresh
/// connections per second (one request each, random query string so no cache
/// helps), for `duration` at most and `max_requests` in total.
pub fn http_flood(
    addr: SocketAddr,
    rate: f64,
    duration: Duration,
    workers: usize,
    max_requests: usize,
    seed: u64,
) -> usize {
    let workers = workers.max(1);
    let per_worker = Duration::from_secs_f64(workers as f64 / rate.max(1.0));
    let start = Instant::now();
    let handles: Vec<_> = (0..workers)
        .map(|w| {
            let quota = max_requests / workers;
            std::thread::spawn(move || {
                let mut rng = Rng::new(seed ^ (w as u64 + 1).wrapping_mul(0x9E37));
                let mut next = start + per_worker.mul_f64(w as f64 / workers as f64);
                let mut done = 0;
                while done < quota && start.elapsed() < duration {
                    let now = Instant::now();
                    if next > now {
                        std::thread::sleep(next - now);
                    }
                    next += per_worker;
                    let _ = fetch_once(addr, &format!("/?q={}", rng.next_u64()));
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    eprintln!(
        "http-flood: {total} requests in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    total
}

/// DNS-style responder on the victim: answers every query with NXDOMAIN until
/// `duration` has passed.
pub fn udp_server(bind: SocketAddr, duration: Duration) -> std::io::Result<()> {
    let sock = UdpSocket::bind(bind)?;
    sock.set_read_timeout(Some(Duration::from_secs(1)))?;
    let start = Instant::now();
    let mut buf = [0u8; 1500];
    while start.elapsed() < duration {
        if let Ok((n, from)) = sock.recv_from(&mut buf)
            && let Some(r) = dns_reply(&buf[..n])
        {
            let _ = sock.send_to(&r, from);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_query_and_reply() {
        let q = dns_query(0x1234, "host7.svc.lab");
        assert_eq!(&q[..2], &[0x12, 0x34]);
        assert_eq!(q[5], 1); // one question
        assert_eq!(&q[12..18], b"\x05host7");
        assert_eq!(&q[q.len() - 5..], &[0, 0, 1, 0, 1]);
        let r = dns_reply(&q).unwrap();
        assert_eq!(r[2] & 0x80, 0x80);
        assert_eq!(r[3] & 0x0F, 3);
        assert_eq!(&r[..2], &q[..2]);
        assert!(dns_reply(&[1, 2, 3]).is_none());
    }

    #[test]
    fn http_request_text() {
        let g = http_get("10.0.0.1", "/x", false);
        assert!(g.starts_with("GET /x HTTP/1.1\r\nHost: 10.0.0.1\r\n"));
        assert!(g.contains("Connection: close"));
        assert!(g.ends_with("\r\n\r\n"));
        assert!(http_get("h", "/", true).contains("keep-alive"));
    }

    #[test]
    fn udp_responder_answers_on_loopback() {
        let probe = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = {
            let s = UdpSocket::bind("127.0.0.1:0").unwrap();
            s.local_addr().unwrap().port()
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let server = std::thread::spawn(move || udp_server(addr, Duration::from_secs(2)));
        probe
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let q = dns_query(7, "a.lab");
        let mut buf = [0u8; 512];
        let mut got = None;
        for _ in 0..8 {
            probe.send_to(&q, addr).unwrap();
            if let Ok((n, _)) = probe.recv_from(&mut buf) {
                got = Some(buf[..n].to_vec());
                break;
            }
        }
        assert_eq!(got, dns_reply(&q));
        server.join().unwrap().unwrap();
    }
}
