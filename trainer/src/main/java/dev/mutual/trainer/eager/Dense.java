package dev.mutual.trainer.eager;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain-Java element access to a whole, c-ordered ND4J array (fp32 or fp64) through an NIO view of its off-heap
 * memory: no copy, no allocation per access. The engine's elementwise loops are written once in double arithmetic
 * against this; the JIT sees one subclass per run (fp32 in training, fp64 in the gradient checks).
 */
abstract sealed class Dense permits Dense.F32, Dense.F64 {

    static Dense of(INDArray a) {
        if (a.isView() || a.offset() != 0 || a.ordering() != 'c' || a.length() != a.data().length()) {
            throw new IllegalArgumentException("expected a whole c-order array, got a view of shape "
                    + java.util.Arrays.toString(a.shape()));
        }
        return switch (a.dataType()) {
            case FLOAT -> new F32(a.data().asNioFloat());
            case DOUBLE -> new F64(a.data().asNioDouble());
            default -> throw new IllegalArgumentException("the eager engine runs in FLOAT or DOUBLE, not " + a.dataType());
        };
    }

    abstract double get(int i);

    abstract void set(int i, double v);

    final void add(int i, double v) {
        set(i, get(i) + v);
    }

    static final class F32 extends Dense {
        private final FloatBuffer b;

        F32(FloatBuffer b) {
            this.b = b;
        }

        @Override
        double get(int i) {
            return b.get(i);
        }

        @Override
        void set(int i, double v) {
            b.put(i, (float) v);
        }
    }

    static final class F64 extends Dense {
        private final DoubleBuffer b;

        F64(DoubleBuffer b) {
            this.b = b;
        }

        @Override
        double get(int i) {
            return b.get(i);
        }

        @Override
        void set(int i, double v) {
            b.put(i, v);
        }
    }
}
