//! The order-independent table fingerprint every engine uses: each row's SHA-256 (over the
//! engine's encoding of its values), whose first 16 bytes, read as a little-endian integer,
//! are summed modulo 2^128; kept with the row count. Independent of row order and of how
//! the engine stores the table, sensitive to every value.

use crate::manifest::TableStat;

#[derive(Debug, Default)]
pub struct RowSum {
    rows: u64,
    sum: u128,
}

impl RowSum {
    /// Count one row by its SHA-256 digest.
    pub fn add(&mut self, digest: &[u8]) {
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(first));
        self.rows += 1;
    }

    /// The fingerprint: 32 lowercase hex digits.
    pub fn fingerprint(&self) -> String {
        format!("{:032x}", self.sum)
    }

    /// The table's entry for the manifest.
    pub fn stat(&self, name: String) -> TableStat {
        TableStat {
            name,
            rows: self.rows,
            fingerprint: self.fingerprint(),
            generated_fingerprint: None,
        }
    }
}
