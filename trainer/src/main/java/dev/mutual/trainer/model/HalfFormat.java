package dev.mutual.trainer.model;

/**
 * A 16-bit floating-point weight format kept as its raw bits ({@code short}) in memory and widened to fp32 where it
 * is used: the inference kernels widen a panel's lanes in registers ({@code inference.Kernels}), this class is the
 * exact scalar rule they are tested against (all 65,536 bit patterns, {@code HalfFormatTest}). Widening is exact in
 * both formats: every bf16 and f16 value is a float.
 */
public enum HalfFormat {
    /** bfloat16: the top half of a float, widened by a 16-bit left shift. */
    BF16,
    /** IEEE 754 binary16: 5 exponent bits (bias 15), 10 mantissa bits, subnormals, infinities and NaN. */
    F16;

    /** The float these 16 bits stand for. */
    public float widen(short bits) {
        return this == BF16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : halfToFloat(bits);
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). Handles subnormals, infinities and NaN (payload kept). */
    public static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        if (exp == 0) {
            if (mant == 0) return Float.intBitsToFloat(sign);
            // subnormal: mant * 2^-24
            float f = mant * 0x1p-24f;
            return sign == 0 ? f : -f;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float to bfloat16 with round-to-nearest-even (as torch's {@code .to(torch.bfloat16)}); NaN stays NaN. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
