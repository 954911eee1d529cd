// Official download locations and published checksums. Mirrors are tried in order; the md5 values
// are the ones the dataset authors publish (CIFAR, TinyImageNet) or that torchvision pins (MNIST,
// Fashion-MNIST). CORe50 publishes no checksum: its zip's per-entry CRC-32s are checked on extraction.

export interface RemoteFile {
  file: string;
  md5?: string;
  /** Size in bytes, when published; checked before the md5. */
  size?: number;
  /** Unpack into the dataset folder after verification. */
  extract?: 'tar.gz' | 'zip';
}

export interface RemoteDataset {
  name: string;
  /** Folder under the data directory that the files go into (matches the registry's first dir). */
  dir: string;
  /** Base URLs ending in '/'; file names are appended. */
  mirrors: readonly string[];
  files: readonly RemoteFile[];
}

export const REMOTE: Record<string, RemoteDataset> = {
  mnist: {
    name: 'mnist', dir: 'mnist',
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
    files: [
      { file: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { file: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { file: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
      { file: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f3e6e1b' },
    ],
  },
  'fashion-mnist': {
    name: 'fashion-mnist', dir: 'fashion-mnist',
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    files: [
      { file: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      { file: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
      { file: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
      { file: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    ],
  },
  cifar10: {
    name: 'cifar10', dir: 'cifar10', mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    files: [{ file: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530', size: 170052171, extract: 'tar.gz' }],
  },
  cifar100: {
    name: 'cifar100', dir: 'cifar100', mirrors: ['https://www.cs.toronto.edu/~kriz/'],
    files: [{ file: 'cifar-100-binary.tar.gz', md5: '03b5dce01913d631647c71ecec9e9cb8', size: 168513733, extract: 'tar.gz' }],
  },
  'tiny-imagenet': {
    name: 'tiny-imagenet', dir: 'tiny-imagenet', mirrors: ['http://cs231n.stanford.edu/'],
    files: [{ file: 'tiny-imagenet-200.zip', md5: '90528d7ca1a48142e341f4ef8d21d0de', size: 248100043, extract: 'zip' }],
  },
  core50: {
    name: 'core50', dir: 'core50', mirrors: ['http://bias.csr.unibo.it/maltoni/download/core50/'],
    files: [{ file: 'core50_128x128.zip', extract: 'zip' }],
  },
};
