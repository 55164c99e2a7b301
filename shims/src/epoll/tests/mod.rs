//! Tests that replay the native probes (`shims/probes/epoll/*.c`) on the core and compare every
//! answer with the probe's recorded output.

mod cost;
mod edges;
mod errors;
mod exclusive;
mod harness;
mod lifetime;
mod nested;
mod oneshot;
mod ready_list;
mod recorded;
mod scenarios;
mod waiters;
