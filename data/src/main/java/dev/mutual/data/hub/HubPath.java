package dev.mutual.data.hub;

import dev.mutual.data.UserInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model or a dataset file on the Hugging Face Hub, as a recipe or an option names it:
 * {@code hf://ORG/NAME[@REVISION][/FILE]} (a model repository, or one file of it) or
 * {@code hf://datasets/ORG/NAME[@REVISION]/FILE} (a file of a dataset repository). The same URIs as
 * huggingface_hub's {@code HfFileSystem}; a revision holding '/' (refs/pr/1) is written with %2F.
 *
 * @param type     model or dataset repository
 * @param repoId   {@code ORG/NAME} (or a legacy one-part name such as {@code gpt2})
 * @param revision branch, tag or commit; null for {@code main}
 * @param file     a file inside the repository ({@code data/train.jsonl}), or null for a whole model
 */
public record HubPath(RepoType type, String repoId, String revision, String file) {
    public static final String SCHEME = "hf://";
    public static final String DEFAULT_REVISION = "main";

    /** The Hub's two kinds of repository this reads; names as in the cache folders ({@code models--ORG--NAME}). */
    public enum RepoType {
        MODEL("models"), DATASET("datasets");

        /** The plural used in URLs ({@code /api/models/...}) and cache folder names. */
        public final String plural;

        RepoType(String plural) {
            this.plural = plural;
        }
    }

    // huggingface_hub's validate_repo_id: word characters, '-' and '.', at most 96 per part, no "--" or "..".
    private static final Pattern REPO_PART = Pattern.compile("[\\w.\\-]{1,96}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    public HubPath {
        if (type == null) throw new IllegalArgumentException("type is null");
        String[] parts = repoId.split("/", -1);
        if (parts.length > 2) throw new IllegalArgumentException("repository id '" + repoId + "': expected ORG/NAME");
        for (String part : parts) {
            if (!REPO_PART.matcher(part).matches() || part.contains("--") || part.contains("..")
                    || part.startsWith("-") || part.startsWith(".") || part.endsWith("-") || part.endsWith(".")) {
                throw new IllegalArgumentException("repository id '" + repoId + "': expected ORG/NAME made of letters, digits,"
                        + " '-', '_' and '.' (no '--' or '..')");
            }
        }
        if (revision != null && (revision.isEmpty() || revision.contains("..") || revision.startsWith("/"))) {
            throw new IllegalArgumentException("revision '" + revision + "': expected a branch, tag or commit");
        }
        if (file != null) {
            for (String segment : file.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..") || segment.contains("\\")) {
                    throw new IllegalArgumentException("file '" + file + "': expected a relative path inside the repository");
                }
            }
        }
        if (type == RepoType.DATASET && file == null) {
            throw new IllegalArgumentException("a dataset is read file by file: expected hf://datasets/ORG/NAME[@REVISION]/FILE"
                    + " (e.g. hf://datasets/" + repoId + "/data/train.jsonl)");
        }
    }

    /** Whether {@code text} is meant as a Hub path (starts with hf://). */
    public static boolean isHubPath(String text) {
        return text != null && text.startsWith(SCHEME);
    }

    /**
     * Parses {@code hf://...}.
     *
     * @throws UserInputException naming the text and the expected form when it is not one
     */
    public static HubPath parse(String text) {
        if (!isHubPath(text)) throw new UserInputException("'" + text + "': expected hf://ORG/NAME[@REVISION] or hf://datasets/ORG/NAME[@REVISION]/FILE");
        String rest = text.substring(SCHEME.length());
        RepoType type = RepoType.MODEL;
        if (rest.startsWith("datasets/")) {
            type = RepoType.DATASET;
            rest = rest.substring("datasets/".length());
        } else if (rest.startsWith("models/")) {
            rest = rest.substring("models/".length());
        } else if (rest.startsWith("spaces/")) {
            throw new UserInputException(text + ": Spaces hold apps, not models or data; expected hf://ORG/NAME or hf://datasets/ORG/NAME/FILE");
        }
        List<String> segments = new ArrayList<>(List.of(rest.split("/", -1)));
        // ORG/NAME, or a legacy one-part name when nothing follows it
        int nameIndex = segments.size() >= 2 ? 1 : 0;
        String repo = String.join("/", segments.subList(0, nameIndex + 1));
        String revision = null;
        int at = repo.indexOf('@');
        if (at >= 0) {
            if (at < repo.lastIndexOf('/')) {
                throw new UserInputException(text + ": '@' belongs after the repository name (hf://ORG/NAME@REVISION)");
            }
            revision = repo.substring(at + 1).replace("%2F", "/").replace("%2f", "/");
            repo = repo.substring(0, at);
        }
        String file = segments.size() > nameIndex + 1 ? String.join("/", segments.subList(nameIndex + 1, segments.size())) : null;
        try {
            return new HubPath(type, repo, revision, file);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(text + ": " + e.getMessage());
        }
    }

    /** The revision to ask for: the one given, or {@code main}. */
    public String revisionOrMain() {
        return revision == null ? DEFAULT_REVISION : revision;
    }

    /** Whether the revision is a full commit id (then the cached files need no request to the Hub). */
    public boolean pinned() {
        return revision != null && isCommit(revision);
    }

    public static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    public HubPath withRevision(String newRevision) {
        return new HubPath(type, repoId, newRevision, file);
    }

    public HubPath withFile(String newFile) {
        return new HubPath(type, repoId, revision, newFile);
    }

    /** The repository's folder in the cache: {@code models--ORG--NAME}, {@code datasets--ORG--NAME}. */
    public String cacheFolderName() {
        return type.plural + "--" + repoId.replace("/", "--");
    }

    /** The repository, for messages: {@code ORG/NAME} or {@code datasets/ORG/NAME}. */
    public String repoLabel() {
        return type == RepoType.DATASET ? "datasets/" + repoId : repoId;
    }

    @Override
    public String toString() {
        return SCHEME + repoLabel() + (revision == null ? "" : "@" + revision.replace("/", "%2F")) + (file == null ? "" : "/" + file);
    }

    /**
     * The Hub path of a file or snapshot folder inside a Hugging Face cache
     * ({@code .../models--ORG--NAME/snapshots/<commit>[/FILE]}), pinned to that commit; empty for any other path.
     * This is how a resolved recipe names what it read: {@code hf://ORG/NAME@<commit>} instead of a folder in one
     * user's cache.
     */
    public static Optional<HubPath> fromCachePath(Path path) {
        Path p = path.normalize();
        for (int i = 0; i + 2 < p.getNameCount(); i++) {
            String folder = p.getName(i).toString();
            if (!p.getName(i + 1).toString().equals("snapshots") || !isCommit(p.getName(i + 2).toString())) continue;
            for (RepoType type : RepoType.values()) {
                if (!folder.startsWith(type.plural + "--")) continue;
                String repoId = folder.substring(type.plural.length() + 2).replace("--", "/");
                String file = i + 3 < p.getNameCount() ? p.subpath(i + 3, p.getNameCount()).toString().replace('\\', '/') : null;
                try {
                    return Optional.of(new HubPath(type, repoId, p.getName(i + 2).toString(), file));
                } catch (IllegalArgumentException e) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }

    /** How a report names {@code path}: its pinned Hub path when it lies in a Hugging Face cache, else the path. */
    public static String nameOf(Path path) {
        return fromCachePath(path).map(HubPath::toString).orElse(path.toString());
    }
}
