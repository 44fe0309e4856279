//! hyper answers some requests itself, before any handler runs: a request line or header it
//! cannot parse (400), a head larger than its buffer (431), a URI too long (414). It writes
//! those as a bare status line, no body. This wraps the connection's socket and replaces such a
//! response, as it is written, with an AWS error (see [`aws_error::raw_error`]).
//!
//! hyper writes them only at a response boundary, as the last thing on the connection; every
//! answer of the emulator's own carries `x-amzn-RequestId`. So a response head without one, with
//! a 4xx or 5xx status, is hyper's.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::aws_error::{X_AMZN_REQUEST_ID, raw_error};

pub struct AwsShapedErrors<T> {
    inner: T,
    replacement: Option<Replacement>,
}

/// The AWS error being written in place of hyper's `claimed` bytes.
struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    claimed: usize,
}

impl<T> AwsShapedErrors<T> {
    pub fn new(inner: T) -> Self {
        AwsShapedErrors {
            inner,
            replacement: None,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for AwsShapedErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for AwsShapedErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacement.is_none() {
            let Some(status) = hypers_own_error(buf) else {
                return Pin::new(&mut this.inner).poll_write(cx, buf);
            };
            let (code, message) = aws_error_for(status);
            this.replacement = Some(Replacement {
                bytes: raw_error(status, code, message),
                written: 0,
                claimed: buf.len(),
            });
        }
        let Some(r) = this.replacement.as_mut() else {
            unreachable!("set above")
        };
        while r.written < r.bytes.len() {
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &r.bytes[r.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            r.written += n;
        }
        let claimed = r.claimed;
        this.replacement = None;
        Poll::Ready(Ok(claimed))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    // Not vectored: hyper then hands each response head over in one buffer, whole.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// The status of `buf` if it is a response head that hyper wrote on its own.
fn hypers_own_error(buf: &[u8]) -> Option<StatusCode> {
    let rest = buf.strip_prefix(b"HTTP/1.")?;
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = &buf[..end];
    let status = StatusCode::from_bytes(rest.get(2..5)?).ok()?;
    let ours = head.split(|&b| b == b'\n').any(|line| {
        line.len() > X_AMZN_REQUEST_ID.len()
            && line[..X_AMZN_REQUEST_ID.len()].eq_ignore_ascii_case(X_AMZN_REQUEST_ID.as_bytes())
    });
    (!ours && (status.is_client_error() || status.is_server_error())).then_some(status)
}

fn aws_error_for(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "RequestHeaderFieldsTooLargeException",
            "The request line and headers together are larger than this endpoint reads.",
        ),
        StatusCode::URI_TOO_LONG => (
            "RequestUriTooLongException",
            "The request's URI is longer than this endpoint reads.",
        ),
        _ => (
            "BadRequestException",
            "The request is not valid HTTP/1.1 (its request line or a header could not be parsed).",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypers_bare_status_lines_are_recognised_and_ours_are_not() {
        let hyper =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(
            hypers_own_error(hyper),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        let ours = b"HTTP/1.1 404 Not Found\r\nx-amzn-requestid: 1\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(hypers_own_error(ours), None);
        assert_eq!(hypers_own_error(b"HTTP/1.1 100 Continue\r\n\r\n"), None);
        assert_eq!(hypers_own_error(b"{\"message\":\"HTTP/1.1 400\"}"), None);
    }
}
