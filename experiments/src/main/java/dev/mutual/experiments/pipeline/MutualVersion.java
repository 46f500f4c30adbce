package dev.mutual.experiments.pipeline;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The Mutual version (the Maven project version, filtered into a resource): part of every stage cache key. */
public final class MutualVersion {

    public static final String VERSION = read();

    private MutualVersion() {}

    private static String read() {
        try (InputStream in = MutualVersion.class.getResourceAsStream("/dev/mutual/experiments/version.properties")) {
            if (in == null) throw new IllegalStateException("version.properties missing from the build");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new IllegalStateException("reading version.properties", e);
        }
    }
}
