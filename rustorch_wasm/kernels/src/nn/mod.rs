//! Neural-network layers, losses and optimizers (being written).
