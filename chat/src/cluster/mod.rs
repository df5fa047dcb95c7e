//! Cluster (placeholder)
pub mod resp;
