//! Serving connections, with the limits `axum::serve` does not set: a
//! client has `header_read_timeout` to send a request's headers, a read
//! or write that makes no progress for `idle_timeout` (an idle keep-alive
//! connection included) ends the connection ([`super::idle`]), and at
//! most `max_connections` are served at once. Two hundred connections that
//! sent half a request line once stayed open for minutes.
//!
//! Over the cap the server stops accepting: new connections wait in the
//! kernel's backlog and are served as soon as one closes, so a burst is
//! delayed rather than refused, and the header timeout frees the places
//! a slow client takes.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use super::idle::Guarded;
use crate::config::ConnectionArgs;

const WARN_EVERY: Duration = Duration::from_secs(60);

/// Serves `router` on `listener` until `shutdown` resolves, then stops
/// accepting and lets the connections' requests in flight finish. Handlers
/// see the peer's address as `ConnectInfo<SocketAddr>`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ConnectionArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections as usize));
    // `stop` tells the connections to finish; `open` closes once all have.
    let (stop, stopping) = watch::channel(());
    let (open, connections) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    let mut warned: Option<Instant> = None;
    loop {
        let permit = match permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                // Once a minute at most: a flood would repeat it per place freed.
                if warned.is_none_or(|at| at.elapsed() >= WARN_EVERY) {
                    warned = Some(Instant::now());
                    tracing::warn!(
                        max = limits.max_connections,
                        "connection cap reached: new connections wait"
                    );
                }
                tokio::select! {
                    permit = permits.clone().acquire_owned() => permit.map_err(std::io::Error::other)?,
                    () = &mut shutdown => break,
                }
            }
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    pause_after(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let watching = (stopping.clone(), connections.clone());
        tokio::spawn(connection(
            stream,
            peer,
            router.clone(),
            limits.clone(),
            watching,
            permit,
        ));
    }
    drop(listener);
    drop(connections);
    let _ = stop.send(());
    open.closed().await;
    Ok(())
}

/// Serves one HTTP/1.1 connection with its timeouts until the client
/// leaves, or until `stopping` says so and its request in flight is
/// answered. Holds a place (`permit`) and the `open` receiver meanwhile.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnectionArgs,
    (mut stopping, open): (watch::Receiver<()>, watch::Receiver<()>),
    permit: OwnedSemaphorePermit,
) {
    let (socket, phase) = Guarded::new(stream, limits.header_read_timeout(), limits.idle_timeout());
    let answered = phase.clone();
    let service = router
        .map_request(move |mut request: hyper::Request<Incoming>| {
            phase.request_started();
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(axum::body::Body::new)
        })
        .map_response(move |response| {
            answered.request_answered();
            response
        });
    // The head and keep-alive clocks are `Guarded`'s; hyper's own header
    // timeout (which would also cut keep-alive short) stays off.
    let connection = hyper::server::conn::http1::Builder::new()
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(TokioIo::new(socket), TowerToHyperService::new(service));
    let mut connection = std::pin::pin!(connection);
    let ended = tokio::select! {
        ended = connection.as_mut() => ended,
        _ = stopping.changed() => {
            connection.as_mut().graceful_shutdown();
            connection.await
        }
    };
    if let Err(error) = ended {
        tracing::debug!(%error, %peer, "connection ended with an error");
    }
    // The place is free, and shutdown no longer waits, once it is gone.
    drop((permit, open));
}

/// After a failed accept: nothing for a connection the client dropped
/// first; a pause when out of file descriptors, so the loop does not spin.
async fn pause_after(error: &std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(%error, "cannot accept a connection; pausing");
    tokio::time::sleep(Duration::from_millis(500)).await;
}
