//! # gridlink-tests
//!
//! What the tests of every crate share:
//! - [`stack`]: the test kit — a [`stack::Stack`] of both simulators, storage (embedded or
//!   moto) and each function's platform built through the production configuration path;
//!   [`on_both_stacks!`] runs a test on both storage stacks.
//! - [`runtime_api`]: a Runtime-API emulator that runs every real function binary.
//! - [`kit`]: the steps every use case's tests take (fire a schedule, deliver an event, read
//!   back what was filed, the TG simulator's partner side).
pub mod kit;
pub mod runtime_api;
pub mod stack;
