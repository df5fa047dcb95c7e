//! Cluster (placeholder)
pub mod conn;
pub mod resp;
pub mod room;
