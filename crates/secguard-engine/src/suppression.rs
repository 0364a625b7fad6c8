//! Inline suppressions: `# secguard: ignore[rule-id] reason` (Python) and
//! `// secguard: ignore[rule-id] reason` or `/* ... */` (C, C++).
