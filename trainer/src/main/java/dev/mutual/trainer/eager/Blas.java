package dev.mutual.trainer.eager;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_saxpy;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code C = alpha * op(A) op(B) + beta * C} straight through OpenBLAS's {@code cblas_sgemm} / {@code cblas_dgemm}
 * (the library ND4J itself links) on row-major matrices in ND4J arrays' memory. Why not {@code Nd4j.gemm}: in
 * ND4J 1.0.0-M2.1 each call goes through the {@code matmul} custom op, whose fixed cost (about 1 ms measured here)
 * made the 256x128x64 attention blocks run at 3-8 GFLOP/s instead of about 25 (BENCHMARKS.md "Training").
 */
final class Blas {

    private Blas() {}

    /**
     * A row-major {@code [rows, cols]} matrix in an array's memory whose rows lie {@code ld} elements apart (the BLAS
     * leading dimension: {@code cols} for a whole matrix, more for a block of a wider one).
     */
    record Mat(FloatPointer f32, DoublePointer f64, int rows, int cols, int ld) {
        Mat(FloatPointer f32, DoublePointer f64, int rows, int cols) {
            this(f32, f64, rows, cols, cols);
        }

        /** The block of rows [row, row + rowCount) and columns [col, col + colCount), same leading dimension. */
        Mat block(int row, int rowCount, int col, int colCount) {
            if (row < 0 || col < 0 || row + rowCount > rows || col + colCount > cols) {
                throw new IllegalArgumentException("block [" + row + "+" + rowCount + ", " + col + "+" + colCount
                        + "] outside " + rows + " x " + cols);
            }
            long offset = (long) row * ld + col;
            return new Mat(f32 == null ? null : (FloatPointer) new FloatPointer(f32).position(f32.position() + offset),
                    f64 == null ? null : (DoublePointer) new DoublePointer(f64).position(f64.position() + offset),
                    rowCount, colCount, ld);
        }
    }

    /** A whole 2-D c-order array as a matrix. */
    static Mat of(INDArray a) {
        if (a.rank() != 2) throw new IllegalArgumentException("expected a matrix, got rank " + a.rank());
        return at(a, 0, (int) a.size(0), (int) a.size(1));
    }

    /** Block {@code i} of a c-order {@code [blocks, rows, cols]} array. */
    static Mat block(INDArray a, int i) {
        int rows = (int) a.size(1), cols = (int) a.size(2);
        return at(a, (long) i * rows * cols, rows, cols);
    }

    /** The first {@code rows * cols} elements of a whole c-order array (of any rank) as a row-major matrix. */
    static Mat first(INDArray a, int rows, int cols) {
        if ((long) rows * cols > a.length()) {
            throw new IllegalArgumentException(rows + " x " + cols + " does not fit in " + a.length() + " elements");
        }
        return at(a, 0, rows, cols);
    }

    private static Mat at(INDArray a, long offset, int rows, int cols) {
        if (a.isView() || a.offset() != 0 || a.ordering() != 'c') {
            throw new IllegalArgumentException("expected a whole c-order array");
        }
        if (a.dataType() == DataType.DOUBLE) {
            DoublePointer p = new DoublePointer(a.data().addressPointer());
            return new Mat(null, (DoublePointer) p.position(p.position() + offset), rows, cols);
        }
        FloatPointer p = new FloatPointer(a.data().addressPointer());
        return new Mat((FloatPointer) p.position(p.position() + offset), null, rows, cols);
    }

    static void gemm(Mat a, boolean transA, Mat b, boolean transB, Mat c, double alpha, double beta) {
        int m = c.rows(), n = c.cols();
        int k = transA ? a.rows() : a.cols();
        if ((transA ? a.cols() : a.rows()) != m || (transB ? b.rows() : b.cols()) != n
                || (transB ? b.cols() : b.rows()) != k) {
            throw new IllegalArgumentException("gemm shapes do not match: A " + a.rows() + "x" + a.cols() + (transA ? "^T" : "")
                    + ", B " + b.rows() + "x" + b.cols() + (transB ? "^T" : "") + ", C " + m + "x" + n);
        }
        int parts = ComputeThreads.gemmParts(m, n, k);
        if (parts == 1) {
            rows(a, transA, b, transB, c, alpha, beta, 0, m);
            return;
        }
        if (c.f32() != null && ComputeThreads.splitsDepth(m, n, k)) {
            depthParts(a, transA, b, transB, c, (float) alpha, (float) beta, parts);
            return;
        }
        ComputeThreads.forEachPart(parts, p -> rows(a, transA, b, transB, c, alpha, beta,
                (int) ((long) p * m / parts), (int) ((long) (p + 1) * m / parts)));
    }

    /** Per extra part of a depth split, an fp32 buffer for its partial C (kept and grown: no allocation per call). */
    private static final FloatPointer[] PARTIAL = new FloatPointer[64];

    /**
     * A gemm whose depth dwarfs C (the LM head's input gradient: dlogits [N, V] times W [V, D]) split over k instead
     * of rows: split by rows, every thread would stream all of B (W, up to hundreds of MB) through the cache; split by
     * depth each reads its share of A and B once. Part 0 accumulates into C with beta, the others into their own
     * buffers, which are then added to C.
     */
    private static void depthParts(Mat a, boolean transA, Mat b, boolean transB, Mat c, float alpha, float beta, int parts) {
        int m = c.rows(), n = c.cols(), k = transA ? a.rows() : a.cols();
        long size = (long) m * n;
        FloatPointer[] partial = new FloatPointer[parts];
        synchronized (PARTIAL) {
            for (int p = 1; p < parts; p++) {
                if (PARTIAL[p] == null || PARTIAL[p].capacity() < size) {
                    if (PARTIAL[p] != null) PARTIAL[p].close();
                    PARTIAL[p] = new FloatPointer(size);
                }
                partial[p] = PARTIAL[p];
            }
        }
        int ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans;
        ComputeThreads.forEachPart(parts, p -> {
            int k0 = (int) ((long) p * k / parts), k1 = (int) ((long) (p + 1) * k / parts);
            long aOffset = transA ? (long) k0 * a.ld() : k0, bOffset = transB ? k0 : (long) k0 * b.ld();
            FloatPointer ap = at(a.f32(), aOffset), bp = at(b.f32(), bOffset);
            if (p == 0) {
                cblas_sgemm(CblasRowMajor, ta, tb, m, n, k1 - k0, alpha, ap, a.ld(), bp, b.ld(), beta, c.f32(), c.ld());
            } else {
                cblas_sgemm(CblasRowMajor, ta, tb, m, n, k1 - k0, alpha, ap, a.ld(), bp, b.ld(), 0f, partial[p], n);
            }
        });
        for (int p = 1; p < parts; p++) {
            if (c.ld() == n) {
                cblas_saxpy((int) size, 1f, partial[p], 1, c.f32(), 1);
                continue;
            }
            for (int r = 0; r < m; r++) cblas_saxpy(n, 1f, at(partial[p], (long) r * n), 1, at(c.f32(), (long) r * c.ld()), 1);
        }
    }

    /** A pointer {@code offset} elements past {@code p}. */
    private static FloatPointer at(FloatPointer p, long offset) {
        return new FloatPointer(p).position(p.position() + offset);
    }

    /**
     * Rows [m0, m1) of C: the same rows of op(A) (rows of A, or columns of A when transposed, at the same leading
     * dimension) times all of op(B). The parts of one gemm write disjoint rows of C, so they can run concurrently.
     */
    private static void rows(Mat a, boolean transA, Mat b, boolean transB, Mat c, double alpha, double beta, int m0, int m1) {
        int n = c.cols(), k = transA ? a.rows() : a.cols();
        long aOffset = transA ? m0 : (long) m0 * a.ld(), cOffset = (long) m0 * c.ld();
        int ta = transA ? CblasTrans : CblasNoTrans, tb = transB ? CblasTrans : CblasNoTrans;
        if (c.f64() != null) {
            DoublePointer ap = m0 == 0 ? a.f64() : new DoublePointer(a.f64()).position(a.f64().position() + aOffset);
            DoublePointer cp = m0 == 0 ? c.f64() : new DoublePointer(c.f64()).position(c.f64().position() + cOffset);
            cblas_dgemm(CblasRowMajor, ta, tb, m1 - m0, n, k, alpha, ap, a.ld(), b.f64(), b.ld(), beta, cp, c.ld());
        } else {
            FloatPointer ap = m0 == 0 ? a.f32() : new FloatPointer(a.f32()).position(a.f32().position() + aOffset);
            FloatPointer cp = m0 == 0 ? c.f32() : new FloatPointer(c.f32()).position(c.f32().position() + cOffset);
            cblas_sgemm(CblasRowMajor, ta, tb, m1 - m0, n, k, (float) alpha, ap, a.ld(), b.f32(), b.ld(), (float) beta,
                    cp, c.ld());
        }
    }

    /** {@link #gemm} on whole 2-D arrays. */
    static void gemm(INDArray a, boolean transA, INDArray b, boolean transB, INDArray c, double alpha, double beta) {
        gemm(of(a), transA, of(b), transB, of(c), alpha, beta);
    }
}
