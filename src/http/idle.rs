//! A socket that gives up on a peer that stops, with two clocks:
//!
//! - the head clock: a request's headers must all arrive within
//!   `header_limit` of the connection opening, or of the first byte of a
//!   later request on it (slowloris sends half a request line, then
//!   nothing);
//! - the idle clock: a read or a write that stays pending for
//!   `idle_limit` ends the connection (an idle keep-alive connection, a
//!   client that stops reading its answer or sending its body).
//!
//! Hyper's own header timeout starts again as soon as a response is sent,
//! so it doubles as a keep-alive limit; a client (or load balancer) that
//! reused a connection after exactly that long then found it closed under
//! its request. Here keep-alive waits the idle limit instead.
//!
//! [`Phase`] is shared with the connection's service, which tells it when
//! a request's headers have arrived and when its answer is ready.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

const AWAITING_HEAD: u8 = 0;
const IN_REQUEST: u8 = 1;
const BETWEEN_REQUESTS: u8 = 2;

/// Where the connection is in its request cycle.
#[derive(Clone)]
pub(super) struct Phase(Arc<AtomicU8>);

impl Phase {
    /// A new connection owes its first request's headers.
    fn new() -> Self {
        Self(Arc::new(AtomicU8::new(AWAITING_HEAD)))
    }

    /// The service has the request: its headers arrived.
    pub(super) fn request_started(&self) {
        self.0.store(IN_REQUEST, Ordering::Release);
    }

    /// The answer is ready: the connection may now idle.
    pub(super) fn request_answered(&self) {
        self.0.store(BETWEEN_REQUESTS, Ordering::Release);
    }

    /// Bytes arrived: between requests, they begin a new request's head.
    /// True when they did.
    fn bytes_arrived(&self) -> bool {
        self.0
            .compare_exchange(
                BETWEEN_REQUESTS,
                AWAITING_HEAD,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    fn awaiting_head(&self) -> bool {
        self.0.load(Ordering::Acquire) == AWAITING_HEAD
    }
}

pub(super) struct Guarded {
    socket: TcpStream,
    phase: Phase,
    header_limit: Duration,
    idle_limit: Duration,
    /// Running while a request's head is awaited.
    head: Option<Pin<Box<Sleep>>>,
    /// Running while a read is pending; cleared when one completes.
    reading: Option<Pin<Box<Sleep>>>,
    /// The same for writes (flushes and shutdown included).
    writing: Option<Pin<Box<Sleep>>>,
}

impl Guarded {
    /// The socket, and the phase its service reports to.
    pub(super) fn new(
        socket: TcpStream,
        header_limit: Duration,
        idle_limit: Duration,
    ) -> (Self, Phase) {
        let phase = Phase::new();
        let guarded = Self {
            socket,
            phase: phase.clone(),
            header_limit,
            idle_limit,
            head: Some(Box::pin(tokio::time::sleep(header_limit))),
            reading: None,
            writing: None,
        };
        (guarded, phase)
    }

    /// Whether the awaited head is late (starting or stopping its clock).
    fn head_late(&mut self, cx: &mut Context<'_>) -> bool {
        if !self.phase.awaiting_head() {
            self.head = None;
            return false;
        }
        let limit = self.header_limit;
        let clock = self
            .head
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        clock.as_mut().poll(cx).is_ready()
    }
}

/// Passes on a completed operation (stopping its clock), or starts the
/// clock on a pending one and fails it once the clock runs out.
fn watch<T>(
    clock: &mut Option<Pin<Box<Sleep>>>,
    limit: Duration,
    cx: &mut Context<'_>,
    polled: Poll<io::Result<T>>,
) -> Poll<io::Result<T>> {
    if polled.is_ready() {
        *clock = None;
        return polled;
    }
    let sleep = clock.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
    match sleep.as_mut().poll(cx) {
        Poll::Ready(()) => Poll::Ready(Err(io::ErrorKind::TimedOut.into())),
        Poll::Pending => Poll::Pending,
    }
}

impl AsyncRead for Guarded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.socket).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            if this.phase.bytes_arrived() {
                this.head = None;
            }
        } else if polled.is_pending() && this.head_late(cx) {
            return Poll::Ready(Err(io::ErrorKind::TimedOut.into()));
        }
        watch(&mut this.reading, this.idle_limit, cx, polled)
    }
}

impl AsyncWrite for Guarded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_write(cx, buf);
        watch(&mut this.writing, this.idle_limit, cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_write_vectored(cx, bufs);
        watch(&mut this.writing, this.idle_limit, cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_flush(cx);
        watch(&mut this.writing, this.idle_limit, cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_shutdown(cx);
        watch(&mut this.writing, this.idle_limit, cx, polled)
    }
}
