//! # balanza-leontief
//!
//! Input-output analysis: technical coefficients, the Leontief inverse, output, value-added and
//! employment multipliers, and the jobs and value added embodied in exports and imports for
//! single-country and multi-regional tables (pymrio's D_cba, D_pba, D_exp, D_imp accounts).
//!
//! It must not know trade file formats: it reads input-output tables and returns matrices.
