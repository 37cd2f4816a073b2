//! A socket that gives up on a peer that stops: a read or a write that
//! stays pending for `limit` fails with `TimedOut`, which ends the
//! connection. Catches the client that never reads its answer, or stops
//! sending its body, which the header timeout does not.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Sleep;

pub(super) struct Idle {
    socket: TcpStream,
    limit: Duration,
    /// Running while a read is pending; cleared when one completes.
    reading: Option<Pin<Box<Sleep>>>,
    /// The same for writes (flushes and shutdown included).
    writing: Option<Pin<Box<Sleep>>>,
}

impl Idle {
    pub(super) fn new(socket: TcpStream, limit: Duration) -> Self {
        Self {
            socket,
            limit,
            reading: None,
            writing: None,
        }
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

impl AsyncRead for Idle {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_read(cx, buf);
        watch(&mut this.reading, this.limit, cx, polled)
    }
}

impl AsyncWrite for Idle {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_write(cx, buf);
        watch(&mut this.writing, this.limit, cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_write_vectored(cx, bufs);
        watch(&mut this.writing, this.limit, cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.socket.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_flush(cx);
        watch(&mut this.writing, this.limit, cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.socket).poll_shutdown(cx);
        watch(&mut this.writing, this.limit, cx, polled)
    }
}
