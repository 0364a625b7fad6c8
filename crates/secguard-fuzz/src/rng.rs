//! A small deterministic PRNG (SplitMix64): every input of a campaign is a
//! pure function of (seed, target, index), so any failure can be rebuilt
//! from those three numbers without storing it.

/// SplitMix64 (Steele, Lea and Flood): tiny, fast, and good enough to
/// choose mutations; not for anything cryptographic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The generator for one input of one target of a campaign.
    pub fn for_input(seed: u64, target_tag: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ target_tag.rotate_left(32));
        let a = r.next_u64();
        Rng(a ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: unbiased enough for choosing mutations.
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// True with probability 1/n.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// A size between 1 and `max`, log-uniform: small sizes are common and
    /// every power of two up to `max` is tried about equally often, so deep
    /// nesting and huge literals show up without dominating the campaign.
    pub fn log_size(&mut self, max: usize) -> usize {
        let max = max.max(1);
        let bits = usize::BITS - max.leading_zeros();
        let b = self.below(bits as usize + 1) as u32;
        let hi = if b >= usize::BITS {
            max
        } else {
            (1usize << b).min(max)
        };
        1 + self.below(hi)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream() {
        let mut a = Rng::for_input(7, 3, 1000);
        let mut b = Rng::for_input(7, 3, 1000);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let mut c = Rng::for_input(7, 3, 1001);
        assert_ne!(Rng::for_input(7, 3, 1000).next_u64(), c.next_u64());
    }

    #[test]
    fn bounds_hold() {
        let mut r = Rng::new(1);
        for _ in 0..10_000 {
            assert!(r.below(7) < 7);
            let s = r.log_size(5000);
            assert!((1..=5000).contains(&s));
        }
        assert_eq!(r.below(0), 0);
    }
}
