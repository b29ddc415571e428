//! The full-domain generalisation lattice: one node per vector of levels,
//! one level per quasi-identifier, ordered component-wise.

use crate::error::{AnonError, Result};

/// The lattice of level vectors `0 <= levels[a] <= heights[a]`, with nodes
/// numbered in mixed radix (attribute 0 varies fastest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lattice {
    heights: Vec<usize>,
    strides: Vec<usize>,
    size: usize,
}

impl Lattice {
    /// The lattice for hierarchies of the given heights.
    pub fn new(heights: &[usize]) -> Result<Self> {
        let mut strides = Vec::with_capacity(heights.len());
        let mut size = 1usize;
        for &h in heights {
            strides.push(size);
            size = size.checked_mul(h + 1).ok_or(AnonError::KeyOverflow)?;
        }
        Ok(Self {
            heights: heights.to_vec(),
            strides,
            size,
        })
    }

    /// Number of nodes (transformations).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Hierarchy heights per attribute.
    pub fn heights(&self) -> &[usize] {
        &self.heights
    }

    /// Level vector of node `index`.
    pub fn levels(&self, index: usize) -> Vec<usize> {
        self.heights
            .iter()
            .zip(&self.strides)
            .map(|(&h, &s)| (index / s) % (h + 1))
            .collect()
    }

    /// Node number of a level vector (levels beyond a height are clamped).
    pub fn index(&self, levels: &[usize]) -> usize {
        levels
            .iter()
            .zip(self.heights.iter().zip(&self.strides))
            .map(|(&l, (&h, &s))| l.min(h) * s)
            .sum()
    }

    /// Sum of levels.
    pub fn height_of(&self, index: usize) -> usize {
        self.levels(index).iter().sum()
    }

    /// Direct successors: one attribute one level higher.
    pub fn successors(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.heights
            .iter()
            .zip(&self.strides)
            .filter(move |(&h, &s)| (index / s) % (h + 1) < h)
            .map(move |(_, &s)| index + s)
    }

    /// Direct predecessors: one attribute one level lower.
    pub fn predecessors(&self, index: usize) -> impl Iterator<Item = usize> + '_ {
        self.heights
            .iter()
            .zip(&self.strides)
            .filter(move |(&h, &s)| !(index / s).is_multiple_of(h + 1))
            .map(move |(_, &s)| index - s)
    }

    /// A chain from `index` to the top, raising attributes in turn (the
    /// attribute with the most levels left first), for binary search.
    pub fn chain_to_top(&self, index: usize) -> Vec<usize> {
        let mut levels = self.levels(index);
        let mut chain = vec![index];
        loop {
            let pick = levels
                .iter()
                .zip(&self.heights)
                .enumerate()
                .filter(|(_, (l, h))| l < h)
                .max_by_key(|(a, (l, h))| (*h - *l, usize::MAX - a))
                .map(|(a, _)| a);
            let Some(a) = pick else { break };
            if let Some(l) = levels.get_mut(a) {
                *l += 1;
            }
            chain.push(self.index(&levels));
        }
        chain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adult_lattice_has_6480_nodes() {
        let l = Lattice::new(&[1, 4, 1, 2, 3, 2, 2, 2]).unwrap();
        assert_eq!(l.size(), 6480);
        let top = l.size() - 1;
        assert_eq!(l.levels(top), vec![1, 4, 1, 2, 3, 2, 2, 2]);
        assert_eq!(l.index(&[1, 4, 1, 2, 3, 2, 2, 2]), top);
        assert_eq!(l.successors(top).count(), 0);
        assert_eq!(l.predecessors(0).count(), 0);
        assert_eq!(l.successors(0).count(), 8);
        let chain = l.chain_to_top(0);
        assert_eq!(chain.len(), 18);
        assert_eq!(chain.last(), Some(&top));
        for w in chain.windows(2) {
            assert_eq!(l.height_of(w[1]), l.height_of(w[0]) + 1);
        }
    }

    #[test]
    fn successors_and_predecessors_are_inverse() {
        let l = Lattice::new(&[2, 0, 3]).unwrap();
        for i in 0..l.size() {
            for s in l.successors(i) {
                assert!(l.predecessors(s).any(|p| p == i));
            }
        }
        assert_eq!(l.size(), 12);
    }
}
