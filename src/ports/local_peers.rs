//! Who is on the other end of a loopback TCP connection: the credential endpoint refuses other
//! users (`exec`) and names the client in its audit lines (`serve`).

use std::net::SocketAddr;

/// What is known about the process at the other end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerOwner {
    /// The socket's owner, as the kernel lists it.
    Uid(u32),
    /// The socket table was read and holds no such connection (it closed already).
    Gone,
    /// This system cannot tell (no `/proc`, not Linux, a remote client).
    Unknown,
}

/// Looks connections up in the operating system's socket tables. Error contract: nothing fails;
/// what cannot be read is [`PeerOwner::Unknown`] or `None`.
pub trait LocalPeers {
    /// The user this process runs as (effective uid), where users exist.
    fn own_uid(&self) -> Option<u32>;
    /// The owner of the client socket of the connection accepted at `local` from `remote`.
    fn owner(&self, local: SocketAddr, remote: SocketAddr) -> PeerOwner;
    /// The process holding that client socket, when it is visible from here (same pid
    /// namespace).
    fn pid(&self, local: SocketAddr, remote: SocketAddr) -> Option<u32>;
}
