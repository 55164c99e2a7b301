//! Tests that replay the native probes (`shims/probes/epoll/*.c`) on the core and compare every
//! answer with the probe's recorded output.

mod harness;
mod recorded;
mod scenarios;
