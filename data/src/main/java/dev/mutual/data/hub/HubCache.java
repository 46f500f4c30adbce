package dev.mutual.data.hub;

import dev.mutual.data.AtomicFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The Hugging Face cache layout (huggingface_hub's file_download.py), so files either side downloaded are shared:
 * <pre>
 * HF_HUB_CACHE/models--ORG--NAME/
 *   blobs/&lt;etag&gt;                     the bytes, named by the Hub's ETag: SHA-256 for LFS files, git blob SHA-1 else
 *   snapshots/&lt;commit&gt;/&lt;file&gt;        a relative symlink into blobs (a copy where links are not allowed)
 *   refs/&lt;revision&gt;                  the commit a branch or tag pointed to when last asked
 * HF_HUB_CACHE/.locks/models--ORG--NAME/&lt;etag&gt;.lock
 * </pre>
 */
public record HubCache(Path root) {

    public Path repoDir(HubPath repo) {
        return root.resolve(repo.cacheFolderName());
    }

    public Path snapshot(HubPath repo, String commit) {
        return repoDir(repo).resolve("snapshots").resolve(commit);
    }

    /** Where {@code file} of {@code commit} lives (it may not exist yet). */
    public Path pointer(HubPath repo, String commit, String file) {
        return snapshot(repo, commit).resolve(file);
    }

    public Path blob(HubPath repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag);
    }

    public Path lock(HubPath repo, String etag) {
        return root.resolve(".locks").resolve(repo.cacheFolderName()).resolve(etag + ".lock");
    }

    /** The commit {@code refs/<revision>} names, or null when the revision was never resolved here. */
    public String readRef(HubPath repo, String revision) throws IOException {
        if (HubPath.isCommit(revision)) return revision;
        Path ref = repoDir(repo).resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) return null;
        String commit = Files.readString(ref, StandardCharsets.UTF_8).trim();
        return HubPath.isCommit(commit) ? commit : null;
    }

    /** Records that {@code revision} is {@code commit} (nothing for a commit itself), as huggingface_hub does. */
    public void writeRef(HubPath repo, String revision, String commit) throws IOException {
        if (revision.equals(commit)) return;
        Path ref = repoDir(repo).resolve("refs").resolve(revision);
        if (Files.isRegularFile(ref) && Files.readString(ref, StandardCharsets.UTF_8).equals(commit)) return;
        Files.createDirectories(ref.getParent());
        AtomicFile.writeString(ref, commit);  // no newline: huggingface_hub reads the file as it is
    }

    /**
     * Points {@code pointer} at {@code blob} with a relative symlink ({@code ../../blobs/<etag>}, one more
     * {@code ..} per folder of the file), or copies the blob where symlinks are not allowed.
     */
    public static void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path relative = pointer.getParent().relativize(blob);
        Path tmp = pointer.resolveSibling(pointer.getFileName() + ".tmp-link");
        Files.deleteIfExists(tmp);
        try {
            Files.createSymbolicLink(tmp, relative);
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, pointer, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
