//! Fused element-wise chains (being written).
