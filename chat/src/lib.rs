//! placeholder: the guide is written by issue 5.
#![forbid(unsafe_code)]

pub mod client;
pub mod fmt;
pub mod hub;
pub mod protocol;
pub mod server;
