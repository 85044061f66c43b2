package io.leadgraph.mongo;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

import java.io.File;
import java.net.InetSocketAddress;

/**
 * Starts mongo-java-server on loopback.
 * Usage: MongoLauncher --port N [--backend memory|h2] [--file path.mv]
 * Prints "READY host:port" once listening, so the Node side can wait for it.
 * Port 0 picks a free port (the printed line tells which).
 */
public final class MongoLauncher {
    public static void main(String[] args) throws Exception {
        int port = 27017;
        String backendName = "memory";
        String file = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--backend" -> backendName = args[++i];
                case "--file" -> file = args[++i];
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        MongoBackend backend;
        if (backendName.equals("h2")) {
            if (file == null) throw new IllegalArgumentException("--file is required with --backend h2");
            File parent = new File(file).getAbsoluteFile().getParentFile();
            if (parent != null) parent.mkdirs();
            backend = new H2Backend(file);
        } else if (backendName.equals("memory")) {
            backend = new MemoryBackend();
        } else {
            throw new IllegalArgumentException("unknown backend: " + backendName);
        }
        MongoServer server = new MongoServer(backend);
        // Closing the H2 store on SIGTERM/SIGINT is what makes local data survive a restart.
        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        server.bind("127.0.0.1", port);
        InetSocketAddress address = server.getLocalAddress();
        System.out.println("READY " + address.getHostString() + ":" + address.getPort());
        System.out.flush();
        Thread.currentThread().join();
    }
}
