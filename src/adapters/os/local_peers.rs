//! The `LocalPeers` port on Linux: the client socket of a loopback connection is the line of
//! `/proc/net/tcp` (or `tcp6`) whose local address is our peer and whose remote address is us;
//! it names the socket's uid and inode, and the process is the one with `socket:[inode]` among
//! its file descriptors. Reads are capped; elsewhere everything is unknown.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::ports::local_peers::{LocalPeers, PeerOwner};

/// The most bytes read from one socket table (about 100k connections).
const TABLE_LIMIT: u64 = 16 * 1024 * 1024;
/// The most processes looked through for a socket's owner.
const PROCESS_LIMIT: usize = 65_536;

/// The real socket tables.
pub struct ProcLocalPeers;

/// One line of a socket table: the client socket's uid and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    uid: u32,
    inode: u64,
}

impl LocalPeers for ProcLocalPeers {
    fn own_uid(&self) -> Option<u32> {
        #[cfg(unix)]
        {
            Some(rustix::process::geteuid().as_raw())
        }
        #[cfg(not(unix))]
        {
            None
        }
    }

    fn owner(&self, local: SocketAddr, remote: SocketAddr) -> PeerOwner {
        match lookup(local, remote) {
            Lookup::Found(entry) => PeerOwner::Uid(entry.uid),
            Lookup::Absent => PeerOwner::Gone,
            Lookup::Unreadable => PeerOwner::Unknown,
        }
    }

    fn pid(&self, local: SocketAddr, remote: SocketAddr) -> Option<u32> {
        let Lookup::Found(entry) = lookup(local, remote) else {
            return None;
        };
        process_with_socket(entry.inode)
    }
}

enum Lookup {
    Found(Entry),
    Absent,
    Unreadable,
}

fn lookup(local: SocketAddr, remote: SocketAddr) -> Lookup {
    if !cfg!(target_os = "linux") || !remote.ip().is_loopback() {
        return Lookup::Unreadable;
    }
    let mut read_any = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Some(text) = read_capped(table) else {
            continue;
        };
        read_any = true;
        // The client's socket: its local address is our peer, its remote address is us.
        if let Some(entry) = find(&text, remote, local) {
            return Lookup::Found(entry);
        }
    }
    if read_any {
        Lookup::Absent
    } else {
        Lookup::Unreadable
    }
}

fn read_capped(path: &str) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(TABLE_LIMIT).read_to_string(&mut text).ok()?;
    Some(text)
}

/// The entry whose local address is `own` and remote address is `other` (IPv4 connections may
/// also be listed in `tcp6` as IPv4-mapped addresses).
fn find(table: &str, own: SocketAddr, other: SocketAddr) -> Option<Entry> {
    for line in table.lines().skip(1) {
        let mut fields = line.split_whitespace();
        let (Some(_slot), Some(local), Some(remote)) =
            (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        if parse_address(local) != Some(own) || parse_address(remote) != Some(other) {
            continue;
        }
        // st, tx_queue:rx_queue, tr:tm->when, retrnsmt, then uid, timeout, inode.
        let mut rest = fields.skip(4);
        let uid = rest.next().and_then(|u| u.parse().ok())?;
        let inode = rest.nth(1).and_then(|i| i.parse().ok())?;
        return Some(Entry { uid, inode });
    }
    None
}

/// `0100007F:1F90` (IPv4) or 32 hex digits + port (IPv6): each 32-bit word as the kernel holds
/// it in memory, printed as a number.
fn parse_address(text: &str) -> Option<SocketAddr> {
    let (address, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |hex: &str| u32::from_str_radix(hex, 16).ok().map(u32::to_ne_bytes);
    let ip = match address.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(address)?)),
        32 => {
            let mut bytes = [0_u8; 16];
            for (i, chunk) in bytes.chunks_mut(4).enumerate() {
                let hex = address.get(i * 8..i * 8 + 8)?;
                chunk.copy_from_slice(&word(hex)?);
            }
            let v6 = Ipv6Addr::from(bytes);
            v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4)
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// The pid whose file descriptors include `socket:[inode]`.
fn process_with_socket(inode: u64) -> Option<u32> {
    let wanted = format!("socket:[{inode}]");
    let processes = std::fs::read_dir("/proc").ok()?;
    for entry in processes.flatten().take(PROCESS_LIMIT) {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            if std::fs::read_link(fd.path())
                .is_ok_and(|target| target.as_os_str() == wanted.as_str())
            {
                return Some(pid);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_read_as_the_kernel_prints_them() {
        let v4 = u32::from_ne_bytes([127, 0, 0, 2]);
        let text = format!("{v4:08X}:1F90");
        assert_eq!(
            parse_address(&text),
            Some("127.0.0.2:8080".parse().unwrap())
        );
        let mapped: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
        let hex: String = mapped
            .chunks(4)
            .map(|c| format!("{:08X}", u32::from_ne_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        assert_eq!(
            parse_address(&format!("{hex}:0050")),
            Some("127.0.0.1:80".parse().unwrap())
        );
        assert_eq!(parse_address("zz:1"), None);
        assert_eq!(parse_address("0100007F"), None);
    }

    #[test]
    fn the_client_socket_is_found_by_its_address_pair() {
        let ours = u32::from_ne_bytes([127, 0, 0, 1]);
        let table = format!(
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: {ours:08X}:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0\n   1: {ours:08X}:C350 {ours:08X}:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 4242 1 0 20 4 30 10 -1\n"
        );
        let server: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let client: SocketAddr = "127.0.0.1:50000".parse().unwrap();
        assert_eq!(
            find(&table, client, server),
            Some(Entry {
                uid: 65534,
                inode: 4242
            })
        );
        assert_eq!(find(&table, server, client), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_real_connection_is_ours() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (_server_side, remote) = listener.accept().unwrap();
        let local = listener.local_addr().unwrap();
        assert_eq!(remote, client.local_addr().unwrap());
        let peers = ProcLocalPeers;
        assert_eq!(
            peers.owner(local, remote),
            PeerOwner::Uid(peers.own_uid().unwrap())
        );
        assert_eq!(peers.pid(local, remote), Some(std::process::id()));
    }
}
