package dev.mutual.trainer.train;

/**
 * AdamW hyperparameters (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", as torch.optim.AdamW).
 *
 * @param learningRate peak learning rate, e.g. 3e-4; a schedule scales it per step
 * @param beta1        first-moment decay, e.g. 0.9
 * @param beta2        second-moment decay, e.g. 0.95
 * @param eps          added to the denominator, e.g. 1e-8
 * @param weightDecay  decoupled decay per unit learning rate, e.g. 0.1; applied to matrices only (see AdamW)
 * @param maxGradNorm  global-norm clipping threshold, or 0 for none (torch clip_grad_norm_), e.g. 1.0
 */
public record AdamWConfig(double learningRate, double beta1, double beta2, double eps, double weightDecay,
                          double maxGradNorm) {

    public AdamWConfig {
        if (!(learningRate > 0)) throw new IllegalArgumentException("learning_rate must be > 0, got " + learningRate);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("eps must be > 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight_decay must be >= 0, got " + weightDecay);
        if (!(maxGradNorm >= 0)) throw new IllegalArgumentException("max_grad_norm must be >= 0, got " + maxGradNorm);
    }
}
