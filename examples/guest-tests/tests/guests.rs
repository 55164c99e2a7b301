//! Every guest program in guests/, run and compared with its snapshot in tests/snapshots/.

spindle::snapshot_test!(guests, "guests/*.mir");
