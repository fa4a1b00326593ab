//! Streaming anomaly detection (being written).
