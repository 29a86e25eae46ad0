import type { Socket } from 'node:net';
import { frameLength } from './message.js';
import type { ClusterNode } from './node.js';

/** What a link reports to the cluster state. */
export interface LinkOwner {
  linkConnected(link: Link): void;
  frameReceived(link: Link, frame: Buffer): void;
  linkClosed(link: Link): void;
  linkError(link: Link, reason: string): void;
}

/**
 * One TCP connection of the bus (clusterLink): outbound links are ours toward a known node,
 * inbound ones were accepted and learn their node from the first message. Frames are the
 * "RCmb" messages, delimited by the length in their header.
 */
export class Link {
  readonly createdAt = Date.now();
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;

  private constructor(
    readonly socket: Socket,
    public node: ClusterNode | null,
    readonly inbound: boolean,
    private readonly owner: LinkOwner,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.close());
  }

  /** A link toward `node` (its `link`) over `socket`; `linkConnected` fires once the connection is up. */
  static outbound(node: ClusterNode, socket: Socket, owner: LinkOwner): Link {
    const link = new Link(socket, node, false, owner);
    node.link = link;
    socket.once('connect', () => {
      if (!link.closed) owner.linkConnected(link);
    });
    return link;
  }

  static accept(socket: Socket, owner: LinkOwner): Link {
    return new Link(socket, null, true, owner);
  }

  /** Bytes queued for the peer and not yet taken by the kernel (CLUSTER LINKS send-buffer-used). */
  get sendBufferBytes(): number {
    return this.socket.writableLength;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  /** freeClusterLink: the socket closes and the node forgets the link. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    const node = this.node;
    if (node !== null) {
      if (node.link === this) node.link = null;
      if (node.inboundLink === this) node.inboundLink = null;
    }
    this.owner.linkClosed(this);
  }

  private receive(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (!this.closed && this.pendingBytes >= 8) {
      const head = this.pending.length === 1 ? this.pending[0]! : this.collapse();
      const length = frameLength(head);
      if (typeof length === 'string') {
        this.owner.linkError(this, length);
        this.close();
        return;
      }
      if (this.pendingBytes < length) return;
      const all = this.collapse();
      const frame = all.subarray(0, length);
      const rest = all.subarray(length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      this.owner.frameReceived(this, frame);
    }
  }

  private collapse(): Buffer {
    if (this.pending.length > 1) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!;
  }
}
