"""Model backends shipped with the core; each imports its heavy package inside."""
