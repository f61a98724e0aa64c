//! # gridlink-local
//!
//! The whole gridlink set on one machine: the main job for a newcomer, and the harness the
//! demo and end-to-end tests drive.
//!
//! ## Layout
//! - [`gateway`]: API Gateway HTTP API emulation — every function's manifest routes on one port,
//!   turned into the same payload 2.0 events the handlers get on AWS.
//! - [`schedules`]: the manifest's schedules (the template's `ScheduleV2`s), fired locally with a
//!   `--speed` factor, or on demand.
//! - [`functions`]: the seven functions as the local stack builds them.
//! - [`platforms`]: the simulators (or external endpoints) and the platform each function gets.
//! - [`console`]: the operator console page the gateway serves at `/console`.
//! - [`stack`]: starts everything, registers TG webhooks, and says what runs where.
//! - [`own_data`]: your own partners and orders (`up --seed DIR`, `order-from-850`).
//! - [`demo`]: drives every use case end to end and reports what happened where.

pub mod chaos;
pub mod console;
pub mod demo;
pub mod functions;
pub mod gateway;
pub mod own_data;
pub mod platforms;
pub mod schedules;
pub mod stack;
