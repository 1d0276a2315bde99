// The corpora bundled in data/: char-rnn's default text and those of the blog post's and the
// paper's experiments. Facts only (file, size, source, licence, checksum); finding them on disk is
// the command line's and the experiments' job, since the library reads no files it is not given.
// data/README.md says the same in prose, with the provenance in full.

export interface Corpus {
  /** What `--data NAME` accepts. */
  name: string;
  /** The file in data/ (gzip-compressed where it ends in .gz). */
  file: string;
  /** Characters (Unicode code points) of the uncompressed text. */
  chars: number;
  /** Distinct characters: the vocabulary a model trained on it gets. */
  distinct: number;
  /** sha256 of the uncompressed UTF-8 text. */
  sha256: string;
  licence: string;
  about: string;
}

export const CORPORA: readonly Corpus[] = [
  {
    name: 'tinyshakespeare',
    file: 'tinyshakespeare.txt',
    chars: 1_115_394,
    distinct: 65,
    sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
    licence: 'MIT (char-rnn repository)',
    about: "char-rnn's default: 40,000 lines of Shakespeare's plays",
  },
  {
    name: 'warpeace',
    file: 'warpeace.txt.gz',
    chars: 3_196_214,
    distinct: 82,
    sha256: 'e9d70cc7d26da7bb53c09a90844647f75cd2ef081b6aa358290a8cf7184d889b',
    licence: 'public domain',
    about: 'Tolstoy, War and Peace in English: the corpus of the paper (arXiv 1506.02078)',
  },
  {
    name: 'linux',
    file: 'linux.txt.gz',
    chars: 6_206_996,
    distinct: 108,
    sha256: '73b2679068b27838c809c1eb7f8c3905c8d44532aad8173ece0bacf9ec03c8c7',
    licence: 'GPL-2.0',
    about: "Linux 6.1 kernel C sources (kernel/, mm/, include/), cut to the paper's 6.2 M characters",
  },
  {
    name: 'stacks',
    file: 'stacks-project-2015.tex.gz',
    chars: 16_664_078,
    distinct: 96,
    sha256: 'd6c89e1ff3cfc98218eebbd6704216a7f6df452fa2e04fd597750c953df3cff3',
    licence: 'GFDL-1.2',
    about: "the Stacks Project's algebraic-geometry LaTeX (May 2015), the blog post's LaTeX experiment",
  },
  {
    name: 'names',
    file: 'names.txt.gz',
    chars: 55_885,
    distinct: 53,
    sha256: '6b0ba1c56ce8977af23474f9e8abc7f12a99fad861d31bdce400a402064a23e7',
    licence: 'US government data; MIT packaging',
    about: '8,000 US baby names, one per line, shuffled',
  },
  {
    name: 'tang-poems',
    file: 'tang-poems.txt.gz',
    chars: 1_663_400,
    distinct: 6758,
    sha256: '548a1fb5091dc133ea7d04bc22633db84c1ce600a4ab28c2ffa5ee2ed64fcd42',
    licence: 'public domain texts; MIT packaging',
    about: '36,712 Tang regulated poems (4 or 8 lines of 5 or 7 characters), one per line',
  },
];

/** The bundled corpus called `name`, if there is one. */
export function findCorpus(name: string): Corpus | undefined {
  return CORPORA.find((c) => c.name === name);
}
