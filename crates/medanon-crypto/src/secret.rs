//! Fixed-size secret bytes that are zeroized on drop and never printed.

use std::fmt;

use zeroize::Zeroize;

/// `N` secret bytes. `Debug` prints only the length; memory is wiped on drop.
#[derive(Clone)]
pub(crate) struct SecretBytes<const N: usize>(Box<[u8; N]>);

impl<const N: usize> Drop for SecretBytes<N> {
    fn drop(&mut self) {
        self.0.as_mut_slice().zeroize();
    }
}

impl<const N: usize> SecretBytes<N> {
    /// Copies `bytes`; the caller should wipe its own copy.
    pub(crate) fn new(bytes: &[u8; N]) -> Self {
        // Boxed so that moving the key around never leaves copies on the stack.
        let mut boxed = Box::new([0u8; N]);
        boxed.copy_from_slice(bytes);
        SecretBytes(boxed)
    }

    /// Fills `N` bytes from `fill`, in place on the heap.
    pub(crate) fn try_fill<E>(fill: impl FnOnce(&mut [u8]) -> Result<(), E>) -> Result<Self, E> {
        let mut secret = SecretBytes(Box::new([0u8; N]));
        fill(&mut secret.0[..])?;
        Ok(secret)
    }

    pub(crate) fn expose(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> fmt::Debug for SecretBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes<{N}>(<redacted>)")
    }
}

impl<const N: usize> PartialEq for SecretBytes<N> {
    /// Constant-time comparison.
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.ct_eq(&other.0[..]).into()
    }
}

impl<const N: usize> Eq for SecretBytes<N> {}
