package dev.mutual.data.chat;

/**
 * A rendered, tokenized conversation for training. {@code lossMask[i]} is 1 when token i belongs to an assistant
 * reply or the end-of-turn token closing it, else 0.
 *
 * @param text     the rendered template
 * @param ids      token ids of {@code text}, special tokens written in it included, none added
 * @param lossMask 0/1 per token
 */
public record EncodedChat(String text, int[] ids, int[] lossMask) {
    public EncodedChat {
        if (ids.length != lossMask.length) {
            throw new IllegalArgumentException("ids and lossMask differ in length: " + ids.length + " vs " + lossMask.length);
        }
    }

    public int trainableTokens() {
        int n = 0;
        for (int m : lossMask) {
            n += m;
        }
        return n;
    }
}
