package dev.mutual.eval.ifeval;

import com.cybozu.labs.langdetect.Detector;
import com.cybozu.labs.langdetect.DetectorFactory;
import com.cybozu.labs.langdetect.LangDetectException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Language identification for {@code language:response_language} and {@code change_case:english_*}, with Cybozu's
 * Java langdetect: IFEval's Python {@code langdetect} is a port of it with the same 1.1 language profiles, so this
 * is the closest match to the reference. The profiles are read from the langdetect jar's {@code profiles/}
 * resources.
 *
 * <p>The library keeps its profiles and seed in a static {@link DetectorFactory}; this class loads them once, on
 * first use, and seeds it with 0 so a text always gets the same answer (the reference leaves Python's langdetect
 * unseeded, so its answer on a borderline text can change between runs).
 */
final class LanguageDetector {
    /** The 53 profiles shipped in langdetect-1.1-20120112.jar ({@code profiles/}). */
    private static final List<String> PROFILES = List.of(
            "af", "ar", "bg", "bn", "cs", "da", "de", "el", "en", "es", "et", "fa", "fi", "fr", "gu", "he", "hi", "hr",
            "hu", "id", "it", "ja", "kn", "ko", "lt", "lv", "mk", "ml", "mr", "ne", "nl", "no", "pa", "pl", "pt", "ro",
            "ru", "sk", "sl", "so", "sq", "sv", "sw", "ta", "te", "th", "tl", "tr", "uk", "ur", "vi", "zh-cn", "zh-tw");

    private LanguageDetector() {}

    /** Initialization-on-demand holder: profiles load once, thread-safely, on the first detection. */
    private static final class Profiles {
        static final boolean LOADED = load();

        private static boolean load() {
            List<String> jsonProfiles = new ArrayList<>();
            for (String lang : PROFILES) {
                try (InputStream in = DetectorFactory.class.getClassLoader().getResourceAsStream("profiles/" + lang)) {
                    if (in == null) throw new IllegalStateException("langdetect profile 'profiles/" + lang + "' is not on the classpath");
                    jsonProfiles.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read langdetect profile " + lang, e);
                }
            }
            try {
                DetectorFactory.loadProfile(jsonProfiles);
            } catch (LangDetectException e) {
                throw new IllegalStateException("cannot load langdetect profiles: " + e.getMessage(), e);
            }
            DetectorFactory.setSeed(0);
            return true;
        }
    }

    /**
     * The most probable language code of {@code text} (e.g. "en", "zh-cn"), or empty when the text has no features
     * to judge by (no letters), which the reference counts as following the instruction.
     */
    static Optional<String> detect(String text) {
        if (!Profiles.LOADED) throw new IllegalStateException("langdetect profiles not loaded");
        try {
            Detector detector = DetectorFactory.create();
            detector.append(text);
            return Optional.of(detector.detect());
        } catch (LangDetectException e) {
            return Optional.empty();
        }
    }
}
